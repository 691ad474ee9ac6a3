import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** The connection settings: their defaults, and a wrong one stops the start with one line naming it. */
describe('connection settings', () => {
  it('defaults', () => {
    expect(loadConfig({})).toMatchObject({
      requestTimeoutMs: 300_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      maxRequestsPerSocket: 1000,
      maxConnections: 1000,
    });
  });

  it.each([
    [{ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' }, 'HEADERS_TIMEOUT_MS'],
    [{ REQUEST_TIMEOUT_MS: '0' }, 'REQUEST_TIMEOUT_MS'],
    [{ MAX_CONNECTIONS: 'lots' }, 'MAX_CONNECTIONS'],
    [{ KEEP_ALIVE_TIMEOUT_MS: '-1' }, 'KEEP_ALIVE_TIMEOUT_MS'],
    [{ MAX_REQUESTS_PER_SOCKET: '1.5' }, 'MAX_REQUESTS_PER_SOCKET'],
  ])('%o is refused, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^invalid setting ${name}\\b`));
  });
});
