import sharp from 'sharp';

/**
 * The caller's images, normalized by sharp into PNGs this engine then gives ffmpeg (so ffmpeg
 * reads only images it knows the format of): EXIF orientation applied, first frame of an animated
 * image, any format sharp reads (JPEG, PNG, WebP, GIF, AVIF, TIFF).
 */

/** The input reference, cover-fitted to exactly width x height, opaque. */
export async function prepareReference(src: string, dest: string, width: number, height: number): Promise<void> {
  await sharp(src, { failOn: 'error' })
    .rotate()
    .resize(width, height, { fit: 'cover', position: 'centre' })
    .flatten({ background: '#0f1117' })
    .png({ compressionLevel: 1 })
    .toFile(dest);
}

/** The portrait as a disc of `size` px with a thin light ring, transparent outside. */
export async function preparePortrait(src: string, dest: string, size: number): Promise<void> {
  const ring = Math.max(2, Math.round(size / 40));
  const inner = size - 2 * ring;
  const r = inner / 2;
  const mask = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${inner}" height="${inner}"><circle cx="${r}" cy="${r}" r="${r}" fill="#fff"/></svg>`,
  );
  const disc = await sharp(src, { failOn: 'error' })
    .rotate()
    .resize(inner, inner, { fit: 'cover', position: 'centre' })
    .ensureAlpha()
    .composite([{ input: mask, blend: 'dest-in' }])
    .png()
    .toBuffer();
  const R = size / 2;
  const ringSvg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><circle cx="${R}" cy="${R}" r="${R}" fill="#e6e8ee"/></svg>`,
  );
  await sharp({ create: { width: size, height: size, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: ringSvg }, { input: disc, left: ring, top: ring }])
    .png({ compressionLevel: 1 })
    .toFile(dest);
}
