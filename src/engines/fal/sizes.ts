/** The aspect ratio of an OpenAI size: portrait sizes are 9:16, landscape ones 16:9 (the four sizes of the API are exactly these). */
export function aspectOf(width: number, height: number): '9:16' | '16:9' | '1:1' {
  if (width === height) return '1:1';
  return width < height ? '9:16' : '16:9';
}
