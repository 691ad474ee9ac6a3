/** What the video service needs from the outside besides the store, the blobs and the queue. */

/** A video's `input_reference` as the client gave it: an uploaded file, or an image URL. */
export type InputReference = { path: string } | { imageUrl: string };

/**
 * Checks an input reference to be a still image within MAX_REFERENCE_IMAGE_BYTES (fetching an
 * http(s) URL through the safe fetcher) and writes it as PNG to `paths.png`; AppError on anything
 * else. `paths.scratch` is free to use. Streamed: the image is never held whole in memory.
 */
export type ReferenceImagePreparer = (ref: InputReference, paths: { scratch: string; png: string }) => Promise<void>;
