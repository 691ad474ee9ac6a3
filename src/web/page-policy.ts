/**
 * The Content-Security-Policy of the HTML pages: styles and scripts only as files of this origin
 * (src/web/assets/, no inline script or style), images and clips from this origin or `mediaOrigin`
 * (PUBLIC_URL's, where signed files point); nothing else, and no framing.
 */
export function pagePolicy(mediaOrigin?: string): string {
  const media = mediaOrigin ? `'self' ${mediaOrigin}` : "'self'";
  return [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    `img-src ${media}`,
    `media-src ${media}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
