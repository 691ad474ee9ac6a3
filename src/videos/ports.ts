/** What the video service needs from the outside besides the store, the blobs and the queue. */

/** A video's `input_reference` as the client gave it: an uploaded file, or an image URL. */
export type InputReference = { path: string } | { imageUrl: string };

/**
 * Checks an input reference to be a still image (fetching an http(s) URL through the safe
 * fetcher) and returns it as PNG bytes; AppError on anything else. `scratchPath` is free to use.
 */
export type ReferenceImagePreparer = (ref: InputReference, scratchPath: string) => Promise<Buffer>;
