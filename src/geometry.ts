/** A rectangle in whole or fractional pixels, its origin top-left. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
