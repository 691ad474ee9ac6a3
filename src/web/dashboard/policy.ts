/**
 * The dashboard's Content-Security-Policy: scripts and styles only as files of this origin (no
 * inline script or style), images and clips from here or `mediaOrigin` (PUBLIC_URL's), fetches
 * (the status polls) and forms to this origin only, no framing. The create page previews the
 * chosen video before it is sent: `previewAnyVideo` lets media come from a picked file (blob:)
 * or any http(s) URL, media only.
 */
export function dashboardPolicy(mediaOrigin: string, opts: { previewAnyVideo?: boolean } = {}): string {
  const media = opts.previewAnyVideo ? `'self' ${mediaOrigin} blob: https: http:` : `'self' ${mediaOrigin}`;
  return [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    `img-src 'self' ${mediaOrigin}`,
    `media-src ${media}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
