import { createReadStream, statSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { CHROMIUM_PATH, tierAvailable } from '../support/tiers.js';
import { ALICE, killAll, removeDir, type ServerProcess, startServer } from './support/server-process.js';
import { faceVideo } from './support/sources.js';

const hasChromium = tierAvailable('browser tests (profile page in chromium)');
const ADMIN = 'sk-e2e-admin-key';
/** Screenshots of every page, kept for a person to look at (test/.tmp is git-ignored). */
const SHOTS = resolve('test/.tmp/screenshots');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A loopback server whose one file is held back until `open()`: a character stays "being made" until then. */
async function startGate(path: string) {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  const server: Server = createServer((_req, res) => {
    void opened.then(() => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': statSync(path).size });
      createReadStream(path).pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gated.mp4`,
    open,
    close: () =>
      new Promise<void>((r) => {
        open();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The dashboard in chromium against the built server on loopback: sign in, create, watch, share, phone layout, sign out. */
describe.skipIf(!hasChromium)('e2e: the dashboard in chromium', () => {
  let server: ServerProcess;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let dir: string;
  let face: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Script errors, console errors (CSP refusals are reported there) and policy violations, of every page of every context. */
  const problems: string[] = [];
  let created: { id: string; username: string; permalink: string };

  const watch = (ctx: BrowserContext) => {
    ctx.on('page', (p) => {
      p.on('pageerror', (err) => problems.push(`pageerror ${p.url()}: ${err.message}`));
      p.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const where = msg.location().url;
        // Refusals the test asks for: the bad key's sign-in answer (401), the preview of a URL that is not there (404), the refused form (400).
        const asked =
          (where.endsWith('/admin/login') && msg.text().includes('status of 401')) ||
          (where.endsWith('/missing.mp4') && msg.text().includes('status of 404')) ||
          (where.endsWith('/admin/characters') && msg.text().includes('status of 400'));
        if (!asked && !where.endsWith('/favicon.ico')) problems.push(`console ${p.url()} (${where}): ${msg.text()}`);
      });
    });
  };
  const newContext = async (viewport = { width: 1100, height: 900 }) => {
    const ctx = await browser.newContext({ viewport });
    watch(ctx);
    // Policy violations as the page sees them (an init script runs before the page's own).
    await ctx.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    return ctx;
  };
  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const signIn = async (p: Page, key: string) => {
    await p.goto(`${server.url}/admin/login`);
    await p.fill('#key', key);
    await Promise.all([p.waitForURL(/\/admin\/characters$/), p.click('form[action="/admin/login"] button[type=submit]')]);
  };
  /** Sets a range handle as a drag does: the value, then the `input` event the scrubber listens to. */
  const drag = (p: Page, id: 'start' | 'end', value: number) =>
    p.evaluate(
      ({ id, value }) => {
        const el = document.getElementById(id) as HTMLInputElement;
        el.value = String(value);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      },
      { id, value },
    );
  const portraitWidth = (p: Page, selector: string) =>
    p
      .locator(selector)
      .first()
      .evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))
      .catch(() => 0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-dashboard-'));
    await mkdir(SHOTS, { recursive: true });
    face = await faceVideo(dir);
    files = await startFileServer({ 'face.mp4': { path: face, type: 'video/mp4' } });
    gate = await startGate(face);
    server = await startServer({ env: { ADMIN_API_KEYS: ADMIN } });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    context = await newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await killAll();
    await files?.close();
    await gate?.close();
    await removeDir(server?.dataDir);
    await removeDir(dir);
  });

  it('sends a visitor to the sign-in page, refuses a bad key, signs in with a good one', async () => {
    await page.goto(`${server.url}/admin/characters`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await shot(page, '01-login');
    await page.fill('#key', 'sk-wrong');
    await page.click('form[action="/admin/login"] button[type=submit]');
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    expect((await context.cookies()).map((c) => c.name)).not.toContain('sc_session');
    await page.fill('#key', ALICE);
    await Promise.all([page.waitForURL(/\/admin\/characters$/), page.click('form[action="/admin/login"] button[type=submit]')]);
    const session = (await context.cookies()).find((c) => c.name === 'sc_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session!.value).not.toContain(ALICE);
    await page.getByText('No characters yet').waitFor();
    await shot(page, '02-gallery-empty');
  });

  it('creates a character from an uploaded video: the scrubber keeps the window 1..3 s, the typed window is what is sent, the page follows it until ready', async () => {
    await page.goto(`${server.url}/admin/characters/new`);
    expect(await page.locator('#scrubber').isHidden()).toBe(true);
    await page.setInputFiles('#video-file', face);
    await page.locator('#scrubber').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#preview').evaluate((v: HTMLVideoElement) => Math.round(v.duration)), { timeout: 15_000 }).toBe(6);
    expect(await page.inputValue('#timestamps')).toBe('0,3');
    await drag(page, 'start', 2);
    expect(await page.inputValue('#timestamps')).toBe('2,3');
    await drag(page, 'end', 5.5);
    expect(await page.inputValue('#timestamps')).toBe('2.5,5.5');
    await drag(page, 'start', 5.2);
    expect(await page.inputValue('#timestamps')).toBe('5,6');
    expect(await page.locator('#window-span').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(0);
    // With the mouse: the end handle, dragged on the shared track from 6 s to about 4 s, pulls the start along (1 s at least).
    const box = (await page.locator('#end').boundingBox())!;
    const xOf = (sec: number) => box.x + 9 + (sec / 6) * (box.width - 18);
    await page.mouse.move(xOf(6), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(xOf(4), box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    const [s, e] = (await page.inputValue('#timestamps')).split(',').map(Number) as [number, number];
    expect(e).toBeGreaterThan(3.8);
    expect(e).toBeLessThan(4.2);
    expect(Math.round((e - s) * 100) / 100).toBe(1);
    await page.click('#play-window');
    await shot(page, '03-new-character-scrubber');

    // The typed field is the form's window (and the way without JavaScript).
    await page.fill('#timestamps', '1,3');
    await page.fill('#display_name', 'Ada Dashboard');
    await Promise.all([page.waitForURL(/\/admin\/characters\/ch_[0-9a-f]{32}$/), page.click('#create')]);
    const id = page.url().split('/').pop()!;
    await expect.poll(() => portraitWidth(page, 'img.portrait'), { timeout: 60_000, interval: 500 }).toBe(512);
    await page.locator('video.clip').evaluate(
      (v: HTMLVideoElement) =>
        new Promise<void>((r, j) => {
          if (v.readyState >= 1) return r();
          v.addEventListener('loadedmetadata', () => r());
          v.addEventListener('error', () => j(new Error('clip failed')));
        }),
    );
    expect(await page.locator('.pill-ready').count()).toBe(1);
    const mention = (await page.locator('.mention code').textContent())!;
    const permalink = (await page.locator('dd a[href*="/profile/"]').getAttribute('href'))!;
    created = { id, username: mention.slice(1), permalink };
    expect(await page.locator('.pill-private').count()).toBe(1);
    await shot(page, '04-character');
  });

  it('shows a character being made in the gallery, live, until it is ready', async () => {
    await page.goto(`${server.url}/admin/characters/new`);
    await page.fill('#video-url', gate.url);
    await page.fill('#timestamps', '2,4');
    await page.fill('#display_name', 'Gated Grace');
    await page.selectOption('#visibility', 'public');
    await Promise.all([page.waitForURL(/\/admin\/characters\/ch_/), page.click('#create')]);
    const id = page.url().split('/').pop()!;
    await page.goto(`${server.url}/admin/characters`);
    const tile = page.locator(`li.tile[data-id="${id}"]`);
    expect(await tile.getAttribute('data-status-url')).toBe(`/admin/characters/${id}/status`);
    expect(await tile.locator('[data-status-text]').textContent()).toBe('being made…');
    expect(await tile.locator('.spinner').count()).toBe(1);
    await shot(page, '05-gallery-being-made');
    gate.open();
    // The page's script polls and reloads once the character is settled: no reload from the test.
    await expect.poll(() => portraitWidth(page, `li.tile[data-id="${id}"] img.tile-portrait`), { timeout: 60_000, interval: 500 }).toBe(512);
    expect(await page.locator(`li.tile[data-id="${id}"] .pill-ready`).count()).toBe(1);
    expect(await page.locator(`li.tile[data-id="${created.id}"] img.tile-portrait`).count()).toBe(1);
    await shot(page, '06-gallery');
  });

  it("shows a failed character's error message", async () => {
    await page.goto(`${server.url}/admin/characters/new`);
    await page.fill('#video-url', files.url('missing.mp4'));
    await page.fill('#timestamps', '1,2');
    // While the form is on its way the button says so and cannot be pressed again (the request is held here until checked).
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/admin/characters', async (route) => {
      await held;
      await route.continue();
    });
    // A click from the page itself (Playwright's own would wait for the navigation held above); the
    // submit handler runs within the click, so the button is read right after it.
    const button = await page.evaluate(() => {
      const b = document.getElementById('create') as HTMLButtonElement;
      b.click();
      return { text: b.textContent, disabled: b.disabled };
    });
    expect(button).toEqual({ text: 'Sending the video…', disabled: true });
    release();
    await page.waitForURL(/\/admin\/characters\/ch_/);
    await page.unroute('**/admin/characters');
    const alert = page.locator('[data-error]');
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toMatch(/404|not found|could not/i);
    expect(await page.locator('.pill-failed').count()).toBe(1);
    await shot(page, '07-character-failed');
    // A form refused by the API's rule shows its message and keeps what was typed (the URL has no
    // video to preview, so the scrubber leaves the typed window as it is).
    await page.goto(`${server.url}/admin/characters/new`);
    await page.fill('#video-url', files.url('missing.mp4'));
    await page.fill('#timestamps', '0,4');
    await page.click('#create');
    await page.locator('#form-error').waitFor();
    expect(await page.locator('#form-error').textContent()).toMatch(/3 s|3 seconds|at most 3/);
    expect(await page.inputValue('#video-url')).toBe(files.url('missing.mp4'));
    expect(await page.inputValue('#timestamps')).toBe('0,4');
    await shot(page, '07b-form-refused');
  });

  it("opens the character's profile page: the owner sees the private page whole, a signed-out visitor sees no media", async () => {
    await page.goto(created.permalink);
    await expect.poll(() => portraitWidth(page, 'img.portrait'), { timeout: 15_000 }).toBe(512);
    const readyState = await page
      .locator('video.clip')
      .evaluate(
        (v: HTMLVideoElement) => new Promise<number>((r) => (v.readyState >= 2 ? r(v.readyState) : v.addEventListener('loadeddata', () => r(v.readyState)))),
      );
    expect(readyState).toBeGreaterThanOrEqual(2);
    expect(await page.getByText('Private character').isVisible()).toBe(true);
    await shot(page, '08-profile-owner');

    const visitorContext = await newContext();
    const visitor = await visitorContext.newPage();
    const res = await visitor.goto(created.permalink);
    expect(res?.status()).toBe(200);
    expect(await visitor.getByText('Private character').isVisible()).toBe(true);
    expect(await visitor.locator('img, video').count()).toBe(0);
    expect(await visitor.content()).not.toContain('/files/');
    await shot(visitor, '09-profile-visitor');
    await visitorContext.close();
  });

  it('renders a video task from the form with live progress and plays the result', async () => {
    await page.goto(`${server.url}/admin/videos`);
    await page.fill('#prompt', `@${created.username} waves at the camera`);
    await page.selectOption('select[name="seconds"]', '4');
    await Promise.all([page.waitForURL(/\/admin\/videos\/video_/), page.click('form[action="/admin/videos"] button[type=submit]')]);
    expect(await page.locator('.pill').filter({ hasText: 'engine local' }).count()).toBe(1);
    const result = page.locator('video.result');
    await result.waitFor({ timeout: 120_000 });
    const state = await result.evaluate(
      (v: HTMLVideoElement) => new Promise<number>((r) => (v.readyState >= 1 ? r(v.readyState) : v.addEventListener('loadedmetadata', () => r(v.readyState)))),
    );
    expect(state).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.pill-completed').count()).toBe(1);
    await shot(page, '10-video');
    await page.goto(`${server.url}/admin/videos`);
    await shot(page, '11-videos');
  });

  it('lets an admin create a key (shown once) and see usage per key', async () => {
    const adminContext = await newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, ADMIN);
    await admin.goto(`${server.url}/admin/keys`);
    await admin.fill('#name', 'phone app');
    await admin.click('form[action="/admin/keys"] button[type=submit]');
    const key = (await admin.locator('#new-key').textContent())!;
    expect(key).toMatch(/^sk-sc-/);
    // Alice's row: three characters (one failed), one task, rendered by the local engine.
    expect(await admin.locator('table.usage').textContent()).toMatch(/local: 4 s rendered, 1 of 1 tasks done/);
    await shot(admin, '12-keys');
    await admin.goto(`${server.url}/admin/keys`);
    expect(await admin.content()).not.toContain(key);
    await adminContext.close();
  });

  it('fits a 390 px phone screen without sideways scrolling', async () => {
    const phone = await newContext({ width: 390, height: 844 });
    const p = await phone.newPage();
    await p.goto(`${server.url}/admin/login`);
    await shot(p, 'phone-login');
    await signIn(p, ALICE);
    const pages: [string, string][] = [
      ['gallery', '/admin/characters'],
      ['new-character', '/admin/characters/new'],
      ['character', `/admin/characters/${created.id}`],
      ['delete', `/admin/characters/${created.id}/delete`],
      ['videos', '/admin/videos'],
      ['profile', new URL(created.permalink).pathname],
    ];
    for (const [name, path] of pages) {
      await p.goto(`${server.url}${path}`);
      await p.waitForLoadState('load');
      const widths = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
      expect(widths.scroll, name).toBeLessThanOrEqual(widths.view);
      await shot(p, `phone-${name}`);
    }
    await phone.close();
  });

  it('had no script error and no policy violation on any page, and signs out', async () => {
    await page.goto(`${server.url}/admin/characters`);
    await Promise.all([page.waitForURL(/\/admin\/login$/), page.click('.signout button')]);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('sc_session');
    await page.goto(`${server.url}/admin/characters`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(problems).toEqual([]);
  });
});
