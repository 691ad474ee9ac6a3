import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { CHROMIUM_PATH, tierAvailable } from '../support/tiers.js';
import { ALICE, bearer, ensureBuilt, killAll, removeDir, type ServerProcess, startServer } from './support/server-process.js';
import { faceVideo } from './support/sources.js';

const CHROMIUM = CHROMIUM_PATH;
const hasChromium = tierAvailable('browser tests (profile page in chromium)');

interface Character {
  id: string;
  username: string;
  permalink: string;
  display_name: string;
  visibility: string;
}

/** The permalink in a real browser (playwright-core driving the system chromium). */
describe.skipIf(!hasChromium)('e2e: the profile page in chromium', () => {
  let server: ServerProcess;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let publicChar: Character;
  let privateChar: Character;

  const create = async (body: object): Promise<Character> => {
    const res = await server.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`create answered ${res.status}: ${text}\n${server.output()}`);
    return JSON.parse(text);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-browser-'));
    const [face] = await Promise.all([faceVideo(dir), ensureBuilt()]);
    files = await startFileServer({ 'face.mp4': { path: face, type: 'video/mp4' } });
    server = await startServer();
    [publicChar, privateChar] = await Promise.all([
      create({ url: files.url('face.mp4'), timestamps: '1,3', display_name: 'Ada Browser', visibility: 'public' }),
      create({ url: files.url('face.mp4'), timestamps: '2,4', display_name: 'Hidden One' }),
    ]);
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 800, height: 1000 },
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = context.pages()[0] ?? (await context.newPage());
  });
  afterAll(async () => {
    await context?.close();
    await server?.stop();
    await killAll();
    await files?.close();
    await removeDir(server?.dataDir);
    await removeDir(dir);
  });

  it('shows the portrait, the clip and the @username, and copies the mention', async () => {
    const res = await page.goto(publicChar.permalink, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(await page.title()).toContain(`@${publicChar.username}`);

    // The portrait has loaded, at its full 512 px.
    const img = page.locator('img.portrait');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(512);
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalHeight)).toBe(512);

    // The clip: a <video> pointing at the signed clip URL.
    const src = await page.locator('video').getAttribute('src');
    expect(src).toMatch(new RegExp(`^${server.url}/files/.+\\.mp4\\?exp=\\d+&sig=`));

    // The name and the mention are on screen.
    await page.getByRole('heading', { name: 'Ada Browser' }).waitFor({ state: 'visible' });
    const mention = page.locator('#mention');
    expect(await mention.isVisible()).toBe(true);
    expect(await mention.textContent()).toBe(`@${publicChar.username}`);

    // A public character's page may be indexed.
    expect(await page.locator('meta[name="robots"]').count()).toBe(0);

    // Copy: the label turns "Copied" and the mention is on the clipboard.
    const copy = page.locator('#copy');
    expect(await copy.textContent()).toBe('Copy');
    await copy.click();
    await expect.poll(() => copy.textContent(), { timeout: 5_000 }).toBe('Copied');
    const clipboard = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
    if (clipboard !== null) expect(clipboard).toBe(`@${publicChar.username}`);

    const shot = join(dir, 'profile.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(1000);
  });

  it('marks a private character noindex and says it is private', async () => {
    const res = await page.goto(privateChar.permalink, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['x-robots-tag']).toMatch(/noindex/);
    expect(await page.locator('meta[name="robots"]').getAttribute('content')).toMatch(/\bnoindex\b/);
    expect(await page.getByText('Private character').isVisible()).toBe(true);
    expect(await page.locator('#mention').textContent()).toBe(`@${privateChar.username}`);
  });

  it('answers a deleted character with the 404 page', async () => {
    const del = await server.fetch(`/sora/v1/characters/${privateChar.id}`, { method: 'DELETE', headers: bearer(ALICE) });
    expect(del.status).toBe(200);
    const res = await page.goto(privateChar.permalink, { waitUntil: 'load' });
    expect(res?.status()).toBe(404);
    expect(await page.title()).toBe('Character not found');
    expect(await page.getByRole('heading', { name: 'Character not found' }).isVisible()).toBe(true);
    expect(await page.locator('img.portrait, video').count()).toBe(0);
  });
});
