import { describe, expect, it } from 'vitest';
import { prefersHtml } from '../../src/api/error-handler.js';

describe('prefersHtml: which clients get an error of a page as an HTML page', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', true],
    ['application/xhtml+xml', true],
    ['TEXT/HTML', true],
    ['text/html;q=0.5, application/json', false],
    ['application/json, text/html;q=0.9', false],
    ['application/json;q=0.5, text/html', true],
    ['text/html;q=0', false],
    ['*/*', false],
    ['application/json', false],
    ['', false],
    [undefined, false],
    ['text/html;q=abc', false],
  ])('%s -> %s', (accept, html) => {
    expect(prefersHtml(accept)).toBe(html);
  });
});
