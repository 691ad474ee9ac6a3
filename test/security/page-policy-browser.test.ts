import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, removeDir } from '../e2e/support/server-process.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CHROMIUM_PATH, tierAvailable } from '../support/tiers.js';
import { makeVideo } from '../support/videos.js';

/**
 * The pages' Content-Security-Policy in a real browser: the page renders (its style applies,
 * portrait and clip load, the copy button works) with no violation reported, and it refuses
 * to be framed.
 */
describe.skipIf(!tierAvailable('browser tests (profile page in chromium)'))('the profile page under its CSP, in chromium', () => {
  let h: Harness;
  let base: string;
  let dir: string;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let context: BrowserContext;
  let page: Page;
  let permalink: string;
  let username: string;
  const violations: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-csp-browser-'));
    files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    h = await startHarness({ PUBLIC_URL: base });
    await h.app.listen({ port, host: '127.0.0.1' });
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: files.url('clip.mp4'), timestamps: '1,3', visibility: 'public' },
    });
    expect(res.statusCode, res.body).toBe(200);
    ({ permalink, username } = res.json());
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to load (CSP ${e.violatedDirective}): ${e.blockedURI}`));
    });
  });
  afterAll(async () => {
    await context?.close();
    await h?.close();
    await files?.close();
    await removeDir(dir);
  });

  it('renders with its style, portrait, clip and copy button, and no CSP violation', async () => {
    const res = await page.goto(permalink, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    // The served stylesheet applies: the body is dark.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(15, 17, 21)');
    const img = page.locator('img.portrait');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(512);
    await expect.poll(() => page.locator('video').evaluate((el: HTMLVideoElement) => el.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const copy = page.locator('#copy');
    await copy.click();
    await expect.poll(() => copy.textContent(), { timeout: 5_000 }).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`@${username}`);
    expect(violations).toEqual([]);
  });

  it('an inline script that got into the page would not run', async () => {
    await page.goto(permalink, { waitUntil: 'load' });
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.appendChild(s);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    expect(violations.some((v) => /script-src/.test(v))).toBe(true);
    violations.length = 0;
  });

  it('cannot be framed by another page', async () => {
    await page.setContent(`<iframe src="${permalink}"></iframe>`);
    // Chromium shows its error page in a frame the policy refuses; a page that allowed framing would show its mention.
    const child = () => page.frames().find((f) => f !== page.mainFrame());
    await expect.poll(() => child()?.url() ?? '', { timeout: 10_000 }).toMatch(/^(chrome-error:|http)/);
    const frame = child()!;
    if (frame.url() === permalink) await frame.waitForLoadState('load');
    expect(frame.url()).toMatch(/^chrome-error:/);
    expect(
      await frame
        .locator('#mention')
        .count()
        .catch(() => 0),
    ).toBe(0);
  });
});
