import { mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { CHROMIUM_PATH, tierAvailable } from '../support/tiers.js';
import { ALICE, bearer, ensureBuilt, killAll, ROOT, removeDir, type ServerProcess, startServer } from './support/server-process.js';
import { faceVideo } from './support/sources.js';

const hasChromium = tierAvailable('browser tests (profile page in chromium)');

/** Screenshots of every page, desktop and phone: git-ignored, kept after the run to look at. */
const SHOTS = join(ROOT, 'test', '.tmp', 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

interface Character {
  id: string;
  username: string;
  permalink: string;
  display_name: string;
  visibility: string;
}

/** The permalink in a real browser (playwright-core driving the system chromium), against the built process. */
describe.skipIf(!hasChromium)('e2e: the profile page in chromium', () => {
  let server: ServerProcess;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  let publicChar: Character;
  let privateChar: Character;
  /** Console errors, page errors and CSP violations of the page being tested. */
  const problems: string[] = [];

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

  /** Opens a page at a viewport size, with the problems list fresh. */
  const open = async (url: string, viewport = DESKTOP) => {
    problems.length = 0;
    await page.setViewportSize(viewport);
    const res = await page.goto(url, { waitUntil: 'load' });
    return res!;
  };

  const shoot = async (name: string) => {
    const path = join(SHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    expect((await stat(path)).size).toBeGreaterThan(1000);
  };

  /** No sideways scroll: the document is no wider than the viewport. */
  const expectNoSidewaysScroll = async () => {
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  };

  const expectNoMedia = async () => {
    expect(await page.locator('img, video, picture, source').count()).toBe(0);
    expect(await page.locator('meta[property^="og:image"], meta[name^="twitter:image"]').count()).toBe(0);
    expect(await page.content()).not.toContain('/files/');
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-browser-'));
    await mkdir(SHOTS, { recursive: true });
    const [face] = await Promise.all([faceVideo(dir), ensureBuilt()]);
    files = await startFileServer({ 'face.mp4': { path: face, type: 'video/mp4' } });
    server = await startServer();
    [publicChar, privateChar] = await Promise.all([
      create({ url: files.url('face.mp4'), timestamps: '1,3', display_name: 'Ada Browser', visibility: 'public' }),
      create({ url: files.url('face.mp4'), timestamps: '2,4', display_name: 'Hidden One' }),
    ]);
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM_PATH,
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
      viewport: DESKTOP,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation ${e.violatedDirective}: ${e.blockedURI}`));
    });
  });
  afterAll(async () => {
    await context?.close();
    await server?.stop();
    await killAll();
    await files?.close();
    await removeDir(server?.dataDir);
    await removeDir(dir);
  });

  it('a public character on a desktop: the portrait renders, the clip plays muted in a loop, Copy copies the mention', async () => {
    const res = await open(publicChar.permalink);
    expect(res.status()).toBe(200);
    expect(await page.title()).toContain(`@${publicChar.username}`);

    const img = page.locator('img.portrait');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(512);
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalHeight)).toBe(512);

    const video = page.locator('video.clip');
    expect(await video.getAttribute('src')).toMatch(new RegExp(`^${server.url}/files/.+\\.mp4\\?exp=\\d+&sig=`));
    await expect.poll(() => video.evaluate((el: HTMLVideoElement) => el.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const clip = await video.evaluate((el: HTMLVideoElement) => ({ muted: el.muted, loop: el.loop, autoplay: el.autoplay, playsInline: el.playsInline }));
    expect(clip).toEqual({ muted: true, loop: true, autoplay: true, playsInline: true });
    // It plays by itself: its clock moves.
    await expect.poll(() => video.evaluate((el: HTMLVideoElement) => el.currentTime), { timeout: 10_000 }).toBeGreaterThan(0);

    await page.getByRole('heading', { name: 'Ada Browser' }).waitFor({ state: 'visible' });
    expect(await page.locator('#mention').textContent()).toBe(`@${publicChar.username}`);
    expect(await page.locator('.owner').textContent()).toBe(publicChar.username.split('.')[0]);
    expect(await page.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await page.locator('meta[name="robots"]').count()).toBe(0);
    expect(await page.locator('meta[property="og:image"]').getAttribute('content')).toMatch(new RegExp(`^${server.url}/files/`));

    const copy = page.locator('#copy');
    expect(await copy.isVisible()).toBe(true);
    expect(await copy.textContent()).toBe('Copy');
    await copy.click();
    await expect.poll(() => copy.textContent(), { timeout: 5_000 }).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`@${publicChar.username}`);

    await expectNoSidewaysScroll();
    expect(problems).toEqual([]);
    await shoot('public-desktop');
  });

  it('a public character on a phone (390 px): no sideways scroll, the portrait and clip fit', async () => {
    await open(publicChar.permalink, PHONE);
    await expect.poll(() => page.locator('img.portrait').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(512);
    await expect.poll(() => page.locator('video.clip').evaluate((el: HTMLVideoElement) => el.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await expectNoSidewaysScroll();
    const clipBox = await page.locator('video.clip').boundingBox();
    expect(clipBox!.x).toBeGreaterThanOrEqual(0);
    expect(clipBox!.x + clipBox!.width).toBeLessThanOrEqual(PHONE.width);
    expect(problems).toEqual([]);
    await shoot('public-phone');
  });

  it('without JavaScript the page still reads: name, mention, portrait; no dead Copy button', async () => {
    const noJs = await context.browser()?.newContext({ javaScriptEnabled: false });
    const p = noJs ? await noJs.newPage() : await context.newPage();
    try {
      if (!noJs) await p.route('**/*.js', (r) => r.abort());
      await p.goto(publicChar.permalink, { waitUntil: 'load' });
      expect(await p.getByRole('heading', { name: 'Ada Browser' }).isVisible()).toBe(true);
      expect(await p.locator('#mention').isVisible()).toBe(true);
      expect(await p.locator('#copy').isVisible()).toBe(false);
      expect(await p.locator('img.portrait').isVisible()).toBe(true);
    } finally {
      await p.close();
      await noJs?.close();
    }
  });

  it('a private character to a visitor: says private, noindex, and no portrait, clip or preview image', async () => {
    for (const [viewport, name] of [
      [DESKTOP, 'private-desktop'],
      [PHONE, 'private-phone'],
    ] as const) {
      const res = await open(privateChar.permalink, viewport);
      expect(res.status()).toBe(200);
      expect(res.headers()['x-robots-tag']).toMatch(/noindex/);
      expect(await page.locator('meta[name="robots"]').getAttribute('content')).toMatch(/\bnoindex\b/);
      expect(await page.getByText('Private character').isVisible()).toBe(true);
      expect(await page.locator('#mention').textContent()).toBe(`@${privateChar.username}`);
      await expectNoMedia();
      await expectNoSidewaysScroll();
      expect(problems).toEqual([]);
      await shoot(name);
    }
  });

  it('a deleted character answers the 404 page, the same as a name that never was', async () => {
    const del = await server.fetch(`/sora/v1/characters/${privateChar.id}`, { method: 'DELETE', headers: bearer(ALICE) });
    expect(del.status).toBe(200);
    for (const [viewport, name] of [
      [DESKTOP, 'not-found-desktop'],
      [PHONE, 'not-found-phone'],
    ] as const) {
      const res = await open(privateChar.permalink, viewport);
      expect(res.status()).toBe(404);
      expect(await page.title()).toBe('Character not found');
      expect(await page.getByRole('heading', { name: 'Character not found' }).isVisible()).toBe(true);
      await expectNoMedia();
      await expectNoSidewaysScroll();
      // Chromium reports the document's own 404 on the console; nothing else may appear.
      expect(problems.filter((p) => !p.includes('status of 404') || !p.includes(privateChar.permalink))).toEqual([]);
      await shoot(name);
    }
    const never = await open(`${server.url}/profile/${privateChar.username.split('.')[0]}.neverwasone`);
    expect(never.status()).toBe(404);
    expect(await never.text()).toBe(await (await server.fetch(`/profile/${privateChar.username}`)).text());
  });
});
