/** A local path as an ffmpeg URL: `file:` so a name like `http:x` or `a|b` is never read as a protocol. */
export const fileUrl = (path: string): string => `file:${path}`;
