/**
 * DELETE of a running hosted render when another process runs it: two API processes (each with
 * its in-process worker) on one PostgreSQL. Process A takes the render (B starts only after A's
 * submit), the DELETE goes through B; A's poll loop sees the task row gone and cancels upstream.
 * The upstream is the loopback fake of the fal queue; the client is the official openai SDK.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { type FakeFalQueue, startFakeFalQueue } from '../support/fakes/fal-queue.js';
import { makeUpstreamVideo } from '../support/fal-fixtures.js';
import { freshPostgresSchema } from '../support/postgres-schema.js';
import { tierAvailable } from '../support/tiers.js';
import { ALICE, killAll, removeDir, startServer } from './support/server-process.js';

const base = process.env.TEST_DATABASE_URL;
const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!tierAvailable('PostgreSQL store suites'))('e2e: a hosted render cancelled through another process', () => {
  let db: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
  let dir: string;
  let fake: FakeFalQueue;

  beforeAll(async () => {
    db = await freshPostgresSchema(base!, 'e2e_fal_cancel');
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-fal-cancel-'));
    fake = await startFakeFalQueue({ video: await makeUpstreamVideo(dir) });
  });
  afterAll(async () => {
    await killAll();
    await fake?.close();
    await removeDir(dir);
    await db?.drop();
  });

  it('the process polling the upstream job sees the row gone and sends the cancel', async () => {
    const env = {
      DATABASE_URL: db!.url,
      STORAGE_URL: `file:${join(dir, 'media')}`,
      SIGNING_SECRET: randomBytes(32).toString('hex'),
      ENGINE_MODELS: `sora-2=fal:${SEEDANCE}`,
      FAL_KEY: fake.key,
      FAL_QUEUE_URL: fake.url,
      ENGINE_POLL_INTERVAL_MS: '100',
    };
    const a = await startServer({ env });
    const viaA = new OpenAI({ apiKey: ALICE, baseURL: `${a.url}/v1`, maxRetries: 0 });
    const face = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 0, faceTo: 6, durationSec: 5 });
    const made = await viaA.videos.createCharacter({ name: 'Ada', video: await toFile(await readFile(face), 'face.mp4', { type: 'video/mp4' }) });
    const { username } = (await viaA.videos.getCharacter(made.id as string)) as unknown as { username: string };
    fake.hold();
    const task = await viaA.videos.create({ prompt: `@${username} waits for a cancel` });
    for (let i = 0; fake.submits().length === 0; i++) {
      if (i > 1200) throw new Error(`no submit\n${a.output()}`);
      await sleep(50);
    }
    const { requestId } = fake.submits()[0];

    const b = await startServer({ env });
    const viaB = new OpenAI({ apiKey: ALICE, baseURL: `${b.url}/v1`, maxRetries: 0 });
    expect(await viaB.videos.delete(task.id)).toMatchObject({ id: task.id, deleted: true });
    for (let i = 0; !fake.cancels().includes(requestId); i++) {
      if (i > 1200) throw new Error(`no cancel reached the upstream\n${a.output()}\n${b.output()}`);
      await sleep(50);
    }
    expect(fake.job(requestId)?.cancelled).toBe(true);
    expect(fake.submits()).toHaveLength(1);
    const gone = await viaA.videos.retrieve(task.id).catch((e) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    fake.release();
  });
});
