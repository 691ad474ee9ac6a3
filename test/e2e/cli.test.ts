import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, ensureBuilt, killAll, type RunResult, removeDir, runCli, startServer, tempDataDir, waitFor } from './support/server-process.js';
import { faceVideo } from './support/sources.js';

/** The CLI as shipped (`node dist/main.js ...`), sharing a DATA_DIR with a real server. */
describe('e2e: the CLI', () => {
  let dir: string;
  let dataDir: string;
  let face: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-cli-'));
    [face] = await Promise.all([faceVideo(dir, 'face', 1, 5), ensureBuilt()]);
    dataDir = await tempDataDir();
    env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await killAll();
    await removeDir(dataDir);
    await removeDir(dir);
  });

  const cli = async (args: string[], expectCode: number | null = 0): Promise<RunResult> => {
    const r = await runCli(args, env);
    const detail = `sora-characters ${args.join(' ')}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
    if (expectCode !== null) expect(r.code, detail).toBe(expectCode);
    return r;
  };

  it('creates, lists and revokes keys; makes a character that a server then serves', async () => {
    // keys create: the key alone on stdout.
    const created = await cli(['keys', 'create', '--name', 'app']);
    const outLines = created.stdout.split('\n').filter(Boolean);
    expect(outLines).toHaveLength(1);
    const key = outLines[0].trim();
    expect(key.length).toBeGreaterThanOrEqual(20);
    expect(key).not.toMatch(/\s/);

    // keys list: its name, active; the secret itself is never listed.
    const listed = await cli(['keys', 'list']);
    const row = listed.stdout.split('\n').find((l) => l.split('\t')[1] === 'app');
    expect(row, listed.stdout).toBeDefined();
    expect(row).toMatch(/^key_\S+\tapp\t[a-z]{9}\t\S+\tactive$/);
    expect(listed.stdout).not.toContain(key);
    const owner = row!.split('\t')[2];

    // create --file: the character as JSON, ready, named after the key's owner handle.
    const made = await cli(['create', '--file', face, '--timestamps', '2,4', '--key', 'app']);
    let c: { id: string; username: string; status: string; permalink: string; profile_picture_url: string | null; source: { type: string } };
    try {
      c = JSON.parse(made.stdout);
    } catch {
      throw new Error(`create did not print JSON on stdout:\n${made.stdout}\n${made.stderr}`);
    }
    expect(c).toMatchObject({ status: 'ready', source: { type: 'upload' } });
    expect(c.id).toMatch(/^ch_[0-9a-f]{32}$/);
    expect(c.username).toMatch(new RegExp(`^${owner}\\.[a-z0-9_]{3,30}$`));
    expect(c.profile_picture_url).toMatch(/\/files\/.+\?exp=\d+&sig=/);

    // A server on the same DATA_DIR serves it to that key.
    const server = await startServer({ dataDir });
    try {
      const got = await server.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer(key) });
      const body = await got.text();
      expect(got.status, `${body}\n${server.output()}`).toBe(200);
      const view = JSON.parse(body);
      expect(view).toMatchObject({ id: c.id, username: c.username, status: 'ready' });
      const portrait = await fetch(view.profile_picture_url);
      expect(portrait.status).toBe(200);
      expect(portrait.headers.get('content-type')).toBe('image/webp');
      await portrait.body?.cancel();
      // Another key does not see it (private by default).
      expect((await server.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer('sk-e2e-bob-key') })).status).toBe(404);

      // keys revoke: the running server stops accepting the key once its short key cache lapses.
      const revoked = await cli(['keys', 'revoke', 'app']);
      expect(revoked.stdout).toContain('revoked app');
      await waitFor(
        'the revoked key to get 401 from the running server',
        async () => {
          const r = await server.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer(key) });
          await r.body?.cancel();
          return r.status === 401 ? true : undefined;
        },
        15_000,
        250,
      ).catch((e) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${server.output()}`);
      });
      const listedAfter = await cli(['keys', 'list']);
      expect(listedAfter.stdout.split('\n').find((l) => l.split('\t')[1] === 'app')).toMatch(/\trevoked \S+$/);
    } finally {
      await server.stop();
    }

    // A fresh server start refuses the revoked key at once.
    const fresh = await startServer({ dataDir });
    try {
      const r = await fresh.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer(key) });
      expect(r.status).toBe(401);
      expect((await r.json()).error.code).toBe('invalid_api_key');
    } finally {
      await fresh.stop();
    }
  });

  it('create with a missing file exits non-zero with a clear message', async () => {
    const missing = join(dir, 'no-such-clip.mp4');
    const r = await cli(['create', '--file', missing, '--timestamps', '1,3'], null);
    expect(r.code).not.toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no such file ${missing}`);
  });

  it('create with timestamps outside the rules exits non-zero with the error code as JSON', async () => {
    const r = await cli(['create', '--file', face, '--timestamps', '1,9'], null);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/"code":"invalid_timestamps"/);
  });

  it('keys revoke of a key that is already revoked says so and exits 1', async () => {
    await cli(['keys', 'create', '--name', 'twice']);
    expect((await cli(['keys', 'revoke', 'twice'])).stdout).toContain('revoked twice');
    const again = await cli(['keys', 'revoke', 'twice'], 1);
    expect(again.stdout).toContain('no active key twice');
    const unknown = await cli(['keys', 'revoke', 'never-made'], 1);
    expect(unknown.stdout).toContain('no active key never-made');
  });

  it('key names are unique: a second key of a name is refused, so revoke NAME means one key', async () => {
    await cli(['keys', 'create', '--name', 'shared-name']);
    const second = await cli(['keys', 'create', '--name', 'shared-name'], 1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('already named "shared-name"');
    const rows = (await cli(['keys', 'list'])).stdout.split('\n').filter((l) => l.split('\t')[1] === 'shared-name');
    expect(rows).toHaveLength(1);
    await cli(['keys', 'create', '--name', 'other-name']);
    expect((await cli(['keys', 'revoke', 'shared-name'])).stdout).toContain('revoked shared-name');
    const after = (await cli(['keys', 'list'])).stdout.split('\n');
    expect(after.find((l) => l.split('\t')[1] === 'other-name')).toMatch(/\tactive$/);
    // A revoked name is free again.
    await cli(['keys', 'create', '--name', 'shared-name']);
  });

  it('create prints links on the configured PUBLIC_URL and says which key it used', async () => {
    const r = await runCli(['create', '--file', face, '--timestamps', '1,3'], { ...env, PUBLIC_URL: 'https://chars.example.com/' });
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.permalink).toBe(`https://chars.example.com/profile/${c.username}`);
    expect(c.profile_picture_url).toMatch(/^https:\/\/chars\.example\.com\/files\//);
    expect(r.stderr).toMatch(new RegExp(`made @${c.username.replace('.', '\\.')} with key "local-cli" \\(key_[0-9a-f]{24}, owner [a-z]{9}\\)`));
  });

  it('keys create without --name explains itself', async () => {
    const r = await cli(['keys', 'create'], 1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--name');
  });
});
