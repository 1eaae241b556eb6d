// Headers that keep email content from ever running in the UI's origin: anything a message supplies (its HTML,
// an attachment) is served sandboxed, with no script, form or frame allowed, and never content-sniffed.
import type { FastifyReply } from 'fastify';

/** For rendered email HTML: images, styles and fonts may load (remote ones too); nothing may execute. */
export const EMAIL_HTML_CSP =
  "sandbox; default-src 'none'; img-src * data: blob:; style-src * 'unsafe-inline'; font-src * data:; media-src * data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

/**
 * Rendered email HTML with remote content blocked (the UI's "remote images off"): only this server's parts (the
 * rewritten `cid:` images) and data: URLs load, so a tracking pixel, remote stylesheet, @import, CSS url() or
 * web font cannot reach the network.
 */
export const EMAIL_HTML_LOCAL_CSP =
  "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:; media-src 'self' data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'";

/** For attachments and raw parts opened directly: inert even when the part is HTML or SVG. */
export const PART_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'";

/**
 * `embeddable` is for parts the sandboxed preview shows as inline images: the sandbox gives that frame an opaque
 * origin, so to the browser its image requests are cross-origin and a `same-origin` resource policy would block
 * every `cid:` image. The part is still served under PART_CSP and nosniff; only its IDs reach it.
 */
export function untrustedContent(reply: FastifyReply, csp: string, embeddable = false): FastifyReply {
  return reply
    .header('Content-Security-Policy', csp)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('Cross-Origin-Resource-Policy', embeddable ? 'cross-origin' : 'same-origin');
}

/** RFC 6266 filename parameters, safe for any characters the sender chose. */
export function contentDisposition(type: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_') || 'download';
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
