/**
 * Is this source URL inline (`data:`)? One rule for the request check, the staging of inline
 * bytes and the job: a URL is trimmed of surrounding whitespace before anything judges it.
 */
export const isDataUrl = (url: string): boolean => /^data:/i.test(url.trim());
