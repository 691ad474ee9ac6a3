import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { probeMedia } from '../../src/media/probe.js';

// The unit tier's own promise (test/support/unit-guard.ts, vitest.config.ts): what it must not use throws.
describe('the unit tier', () => {
  it('refuses child processes, and ffmpeg is nowhere', async () => {
    expect(() => spawn(process.execPath, ['-v'])).toThrow(/unit tests must not start a child process/);
    expect(() => execFile(process.execPath, ['-v'])).toThrow(/unit tests must not start a child process/);
    expect(process.env.FFMPEG_PATH).toBe('/nonexistent/ffmpeg');
    await expect(probeMedia('/nonexistent/video.mp4')).rejects.toThrow(/unit tests must not start a child process/);
  });

  it('refuses sockets, outgoing and listening', async () => {
    expect(() => connect(8089, '127.0.0.1')).toThrow(/unit tests must not open a socket/);
    expect(() => createServer().listen(0, '127.0.0.1')).toThrow(/unit tests must not listen on a port/);
    const refused = await fetch('http://127.0.0.1:8089/').catch((e: Error) => e);
    expect(String((refused as Error).cause)).toMatch(/unit tests must not open a socket/);
  });
});
