// The tab's icon with the unread count drawn on it, so a pinned tab shows new mail without being looked at.
const BASE_ICON = '/favicon.svg';
const SIZE = 64;

let base: Promise<HTMLImageElement> | null = null;
let shown = -1;

function baseImage(): Promise<HTMLImageElement> {
  base ??= new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = BASE_ICON;
  });
  return base;
}

function iconLink(): HTMLLinkElement {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.append(link);
  }
  return link;
}

export async function setFaviconBadge(unread: number): Promise<void> {
  if (unread === shown) return;
  shown = unread;
  const link = iconLink();
  if (unread <= 0) {
    link.type = 'image/svg+xml';
    link.href = BASE_ICON;
    return;
  }
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  try {
    ctx.drawImage(await baseImage(), 0, 0, SIZE, SIZE);
  } catch {
    // Without the logo the badge alone still says there is new mail.
  }
  if (shown !== unread) return;
  const text = unread > 99 ? '99+' : String(unread);
  ctx.font = `bold ${text.length > 2 ? 24 : 30}px system-ui, sans-serif`;
  const width = Math.max(36, ctx.measureText(text).width + 14);
  const x = SIZE - width;
  ctx.fillStyle = '#dc2626';
  ctx.beginPath();
  ctx.roundRect(x, 0, width, 36, 18);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + width / 2, 19);
  link.type = 'image/png';
  link.href = canvas.toDataURL('image/png');
}
