// /api/v1/message/{ID}/part/{PartID}/thumb: a 180x120 JPEG like Mailpit's (server/apiv1/thumbnails.go). Images
// at least 180x120 are scaled to cover the box and centre-cropped; smaller ones are scaled down to fit (never up)
// and centred on white. Transparency goes onto white. Anything that is not a decodable raster image gets a blank
// white thumbnail: this never throws.
import type { Sharp } from 'sharp';

export const THUMB_WIDTH = 180;
export const THUMB_HEIGHT = 120;
const QUALITY = 70;
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };
/** Decoding stops past this many pixels (a decompression bomb gets the blank thumbnail). */
const MAX_INPUT_PIXELS = 100_000_000;
/** Formats sharp can read that are not raster images, so are never rendered here (Mailpit cannot decode them). */
const NOT_RENDERED = new Set(['svg', 'pdf', 'magick', 'openslide', 'fits', 'vips', 'raw']);

/** A white 180x120 JPEG at quality 70, made by sharp once and kept so the fallback needs no image library. */
const BLANK = Buffer.from(
  '/9j/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAB4ALQDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/ALMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD/2Q==',
  'base64',
);

export async function thumbnail(part: { contentType: string; content: Buffer }): Promise<Buffer> {
  if (!part.contentType.toLowerCase().startsWith('image/')) return blankThumbnail();
  try {
    return await render(part.content);
  } catch {
    return blankThumbnail();
  }
}

export function blankThumbnail(): Buffer {
  return Buffer.from(BLANK);
}

// sharp (libvips) costs tens of MB of resident memory once loaded, so it is loaded on the first thumbnail only.
let sharpModule: Promise<typeof import('sharp')> | null = null;

async function render(content: Buffer): Promise<Buffer> {
  const sharp = (await (sharpModule ??= import('sharp'))).default;
  const input = (): Sharp => sharp(content, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).rotate();
  const meta = await sharp(content, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (!meta.format || NOT_RENDERED.has(meta.format) || !meta.width || !meta.height) return blankThumbnail();
  // rotate() applies the EXIF orientation first; orientations 5-8 swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5;
  const width = swapped ? meta.height : meta.width;
  const height = swapped ? meta.width : meta.height;

  if (width >= THUMB_WIDTH && height >= THUMB_HEIGHT) {
    return input()
      .resize(THUMB_WIDTH, THUMB_HEIGHT, { fit: 'cover', position: 'centre' })
      .flatten({ background: WHITE })
      .jpeg({ quality: QUALITY })
      .toBuffer();
  }

  const fitted = await input()
    .resize(THUMB_WIDTH, THUMB_HEIGHT, { fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer({ resolveWithObject: true });
  // Centred the way Go's imaging.OverlayCenter places it.
  const left = Math.floor(THUMB_WIDTH / 2) - Math.floor(fitted.info.width / 2);
  const top = Math.floor(THUMB_HEIGHT / 2) - Math.floor(fitted.info.height / 2);
  return sharp({ create: { width: THUMB_WIDTH, height: THUMB_HEIGHT, channels: 3, background: WHITE } })
    .composite([{ input: fitted.data, left, top }])
    .jpeg({ quality: QUALITY })
    .toBuffer();
}
