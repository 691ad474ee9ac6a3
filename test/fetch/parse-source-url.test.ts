import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parseSourceUrl } from '../../src/fetch/parse-source-url.js';

const strict = { allowPrivate: false };
const lenient = { allowPrivate: true };

function errorOf(input: string, rules = strict): AppError {
  try {
    parseSourceUrl(input, rules);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`${input} was accepted`);
}

describe('parseSourceUrl', () => {
  it('accepts public http and https URLs', () => {
    expect(parseSourceUrl('https://cdn.example.com/a.mp4', strict).href).toBe('https://cdn.example.com/a.mp4');
    expect(parseSourceUrl('http://93.184.216.34:8080/v.webm?x=1', strict).hostname).toBe('93.184.216.34');
    expect(parseSourceUrl('http://[2606:4700:4700::1111]/v.mp4', strict).hostname).toBe('[2606:4700:4700::1111]');
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/video.mp4',
    'javascript:alert(1)',
    'gopher://example.com/',
    'data:video/mp4;base64,AAAA',
    'ws://example.com/',
    'not a url',
    '',
    '/relative/path.mp4',
  ])('refuses %j as invalid_url', (input) => {
    const err = errorOf(input);
    expect(err.code).toBe('invalid_url');
    expect(err.param).toBe('url');
  });

  it.each(['http://user:pass@example.com/v.mp4', 'https://user@example.com/v.mp4', 'https://:secret@example.com/'])('refuses credentials in %s', (input) => {
    expect(errorOf(input).code).toBe('invalid_url');
  });

  // Each notation is listed with what WHATWG URL turns it into, to show the check sees the
  // canonical form rather than assuming it.
  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0x7F.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://127.0.1/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
    ['http://１２７.０.０.１/', '127.0.0.1'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://012.0.0.1/', '10.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://192.168.0.1:8080/', '192.168.0.1'],
    ['http://100.64.0.1/', '100.64.0.1'],
    ['http://[::1]/', '[::1]'],
    ['http://[0:0:0:0:0:0:0:1]/', '[::1]'],
    ['http://[::]/', '[::]'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::ffff:7f00:1]/', '[::ffff:7f00:1]'],
    ['http://[::127.0.0.1]/', '[::7f00:1]'],
    ['http://[64:ff9b::127.0.0.1]/', '[64:ff9b::7f00:1]'],
    ['http://[fe80::1]/', '[fe80::1]'],
    ['http://[fd00::1]/', '[fd00::1]'],
  ])('refuses %s (host %s) as url_not_allowed', (input, canonicalHost) => {
    expect(new URL(input).hostname).toBe(canonicalHost);
    const err = errorOf(input);
    expect(err.code).toBe('url_not_allowed');
    expect(err.param).toBe('url');
  });

  it.each([
    'http://localhost/',
    'http://LOCALHOST:8080/',
    'http://localhost./',
    'http://%6c%6fcalhost/',
    'http://app.localhost/',
    'http://printer.local/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://db.internal./',
  ])('refuses the private name %s', (input) => {
    expect(errorOf(input).code).toBe('url_not_allowed');
  });

  it('allows private literals and names when allowPrivate is set', () => {
    for (const input of ['http://2130706433/', 'http://[::1]:8080/', 'http://localhost/', 'http://10.0.0.1/']) {
      expect(parseSourceUrl(input, lenient)).toBeInstanceOf(URL);
    }
  });

  it('still refuses bad schemes and credentials when allowPrivate is set', () => {
    expect(errorOf('file:///etc/passwd', lenient).code).toBe('invalid_url');
    expect(errorOf('http://a:b@localhost/', lenient).code).toBe('invalid_url');
  });

  it('does not mistake names that only look numeric for addresses', () => {
    expect(parseSourceUrl('http://127.0.0.1.nip.io/', strict).hostname).toBe('127.0.0.1.nip.io');
    expect(parseSourceUrl('http://localhost.example.com/', strict).hostname).toBe('localhost.example.com');
  });

  it('uses an injected address policy for literal hosts', () => {
    const rules = { allowPrivate: false, isForbiddenAddress: (ip: string) => ip !== '127.0.0.2' };
    expect(parseSourceUrl('http://127.0.0.2/', rules).hostname).toBe('127.0.0.2');
    expect(errorOf('http://127.0.0.1/', rules).code).toBe('url_not_allowed');
  });
});
