/**
 * A loopback fake of BytePlus ModelArk's content-generation API, for the ark engine's tests.
 *
 * It follows the contract of the official Go SDK, byteplus-sdk/byteplus-go-sdk-v2:
 * - routes: `service/arkruntime/content_generation.go` (POST `{base}/contents/generations/tasks`,
 *   GET and DELETE `{base}/contents/generations/tasks/{id}`, `Authorization: Bearer <key>`);
 * - bodies: `service/arkruntime/model/content_generation.go` (CreateContentGenerationTaskRequest
 *   with `model`, `content[]` of `text` / `image_url` (and Seedance 2.0's `video_url` / `audio_url`)
 *   items with `role`, and the top-level
 *   `ratio`, `duration`, `resolution`, `watermark`; the answer `{id}`; the task
 *   `{id, model, status, error: {code, message}, content: {video_url}, created_at, updated_at, ...}`;
 *   statuses queued, running, succeeded, failed, cancelled, plus expired from the API reference);
 * - errors: `service/arkruntime/client.go` `handleErrorResp` (a non-2xx answer carries
 *   `{"error": {"code", "message", "param", "type"}}`; 429 and 5xx are the retried ones);
 * - DELETE as ModelArk's API reference documents it: a queued task is cancelled, a finished one
 *   is deleted, a running one cannot be cancelled (unless `honourDeleteWhileRunning`).
 *
 * It records every request, serves the finished video at `content.video_url` (on the same
 * loopback server), and can be told to answer 429 once, refuse content, stay running, or honour
 * DELETE of a running task.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArkFakeRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface ArkFakeTask {
  id: string;
  model: string;
  body: Record<string, unknown>;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';
  polls: number;
  error: { code: string; message: string } | null;
  createdAt: number;
  updatedAt: number;
}

export interface ArkFakeOptions {
  apiKey: string;
  /** The MP4 served as every finished task's video. */
  videoPath: string;
  /** GETs a task answers before it succeeds: the first says queued, the next ones running. Default 2. */
  pollsUntilDone?: number;
  /** Models that exist (any when unset). */
  models?: string[];
}

const RATIOS = new Set(['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', 'adaptive']);
const RESOLUTIONS = new Set(['480p', '720p', '1080p']);
const ROLES = new Set(['first_frame', 'last_frame', 'reference_image']);
const PREFIX = '/api/v3/contents/generations/tasks';

export interface ArkFake {
  /** The ARK_BASE_URL to give the engine. */
  baseUrl: string;
  requests: ArkFakeRequest[];
  tasks: Map<string, ArkFakeTask>;
  /** The next request (any route) answers 429 with `Retry-After: 1`, once. */
  rateLimitOnce(): void;
  /** The next create answers 400 with this code (an input refusal, e.g. InputTextSensitiveContentDetected). */
  refuseNextCreate(code: string, message: string): void;
  /** Tasks created from now on end `failed` with this error instead of succeeding. */
  failTasks(code: string, message: string): void;
  /** Tasks stay `running` until `release()`. */
  holdRunning(): void;
  release(): void;
  /** DELETE of a running task cancels it (ModelArk itself only cancels queued ones). */
  honourDeleteWhileRunning(): void;
  /** Back to the plain contract: tasks succeed, DELETE of a running task is refused. */
  clearScript(): void;
  /** How many GETs the video file got. */
  videoDownloads(): number;
  close(): Promise<void>;
}

export async function startArkFake(opts: ArkFakeOptions): Promise<ArkFake> {
  const video = await readFile(opts.videoPath);
  const pollsUntilDone = opts.pollsUntilDone ?? 2;
  const requests: ArkFakeRequest[] = [];
  const tasks = new Map<string, ArkFakeTask>();
  let rateLimitPending = false;
  let createRefusal: { code: string; message: string } | null = null;
  let taskFailure: { code: string; message: string } | null = null;
  let hold = false;
  let cancelRunning = false;
  let downloads = 0;
  let seq = 0;
  let base = '';

  const now = () => Math.floor(Date.now() / 1000);
  const requestId = () => `2026${String(++seq).padStart(10, '0')}fake`;
  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const sendError = (res: ServerResponse, status: number, code: string, message: string, param?: string) =>
    sendJson(res, status, {
      error: { code, message: `${message} Request id: ${requestId()}`, param: param ?? '', type: status === 401 ? 'Unauthorized' : 'BadRequest' },
    });

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The create body as the SDK's CreateContentGenerationTaskRequest allows it; null when valid. */
  function invalidCreate(b: Record<string, unknown>): { param: string; message: string } | null {
    if (typeof b.model !== 'string' || b.model === '') return { param: 'model', message: 'The parameter `model` specified in the request is not valid.' };
    if (!Array.isArray(b.content) || b.content.length === 0)
      return { param: 'content', message: 'The parameter `content` specified in the request is not valid.' };
    let texts = 0;
    for (const item of b.content as Record<string, unknown>[]) {
      if (item?.type === 'text') {
        if (typeof item.text !== 'string') return { param: 'content.text', message: 'The parameter `content.text` is not valid.' };
        texts++;
      } else if (item?.type === 'image_url') {
        const url = (item.image_url as { url?: unknown } | undefined)?.url;
        if (typeof url !== 'string' || !/^(https?:\/\/|data:image\/[a-z]+;base64,)/.test(url)) {
          return { param: 'content.image_url.url', message: 'The parameter `content.image_url.url` is not valid.' };
        }
        if (item.role !== undefined && !ROLES.has(item.role as string)) return { param: 'content.role', message: 'The parameter `content.role` is not valid.' };
      } else if (item?.type === 'video_url' || item?.type === 'audio_url') {
        // Seedance 2.0's references: links only, with their own role.
        const kind = item.type === 'video_url' ? 'video' : 'audio';
        const url = (item[item.type] as { url?: unknown } | undefined)?.url;
        if (typeof url !== 'string' || !/^https?:\/\//.test(url))
          return { param: `content.${item.type}.url`, message: `The parameter \`content.${item.type}.url\` is not valid.` };
        if (item.role !== `reference_${kind}`) return { param: 'content.role', message: 'The parameter `content.role` is not valid.' };
      } else {
        return { param: 'content.type', message: 'The parameter `content.type` is not valid.' };
      }
    }
    if (texts > 1) return { param: 'content', message: 'At most one text item is allowed.' };
    if (b.ratio !== undefined && !RATIOS.has(b.ratio as string)) return { param: 'ratio', message: 'The parameter `ratio` is not valid.' };
    if (b.resolution !== undefined && !RESOLUTIONS.has(b.resolution as string))
      return { param: 'resolution', message: 'The parameter `resolution` is not valid.' };
    if (b.duration !== undefined && !(Number.isInteger(b.duration) && (b.duration as number) >= 2 && (b.duration as number) <= 15)) {
      return { param: 'duration', message: 'The parameter `duration` is not valid.' };
    }
    return null;
  }

  function view(t: ArkFakeTask) {
    const body: Record<string, unknown> = {
      id: t.id,
      model: t.model,
      status: t.status,
      content: t.status === 'succeeded' ? { video_url: `${base}/media/${t.id}.mp4` } : {},
      usage: { completion_tokens: t.status === 'succeeded' ? 108900 : 0, total_tokens: t.status === 'succeeded' ? 108900 : 0 },
      created_at: t.createdAt,
      updated_at: t.updatedAt,
      ratio: t.body.ratio,
      resolution: t.body.resolution,
      duration: t.body.duration,
    };
    if (t.error) body.error = t.error;
    return body;
  }

  /** Moves a task along on each GET: queued, running..., then succeeded (or the scripted failure). */
  function advance(t: ArkFakeTask) {
    if (t.status !== 'queued' && t.status !== 'running') return;
    t.polls++;
    t.updatedAt = now();
    if (t.polls === 1) return;
    if (hold || t.polls <= pollsUntilDone) {
      t.status = 'running';
      return;
    }
    if (taskFailure) {
      t.status = 'failed';
      t.error = { ...taskFailure };
    } else {
      t.status = 'succeeded';
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname.startsWith('/media/')) {
      downloads++;
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': video.length }).end(video);
      return;
    }
    requests.push({ method, path: url.pathname, authorization: req.headers.authorization, body });
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      sendError(res, 401, 'AuthenticationError', 'The API key or AK/SK in the request is missing or invalid.');
      return;
    }
    if (rateLimitPending) {
      rateLimitPending = false;
      res.setHeader('retry-after', '1');
      sendError(res, 429, 'RateLimitExceeded.EndpointRPMExceeded', 'The request has exceeded the RPM rate limit of the endpoint.');
      return;
    }
    if (url.pathname === PREFIX && method === 'POST') {
      if (typeof body !== 'object' || body === null) {
        sendError(res, 400, 'InvalidParameter', 'The request body is not valid JSON.');
        return;
      }
      const b = body as Record<string, unknown>;
      const bad = invalidCreate(b);
      if (bad) {
        sendError(res, 400, `InvalidParameter`, bad.message, bad.param);
        return;
      }
      if (opts.models && !opts.models.includes(b.model as string)) {
        sendError(res, 404, 'InvalidEndpointOrModel.NotFound', 'The model or endpoint does not exist or you do not have access to it.');
        return;
      }
      if (createRefusal) {
        const r = createRefusal;
        createRefusal = null;
        sendError(res, 400, r.code, r.message);
        return;
      }
      const id = `cgt-20261206${String(++seq).padStart(6, '0')}-fake`;
      tasks.set(id, { id, model: b.model as string, body: b, status: 'queued', polls: 0, error: null, createdAt: now(), updatedAt: now() });
      sendJson(res, 200, { id });
      return;
    }
    const m = /^\/api\/v3\/contents\/generations\/tasks\/([^/]+)$/.exec(url.pathname);
    const task = m ? tasks.get(decodeURIComponent(m[1])) : undefined;
    if (m && !task) {
      sendError(res, 404, 'ResourceNotFound', 'The specified task is not found.');
      return;
    }
    if (task && method === 'GET') {
      advance(task);
      sendJson(res, 200, view(task));
      return;
    }
    if (task && method === 'DELETE') {
      if (task.status === 'queued' || (task.status === 'running' && cancelRunning)) {
        task.status = 'cancelled';
        task.updatedAt = now();
      } else if (task.status === 'running') {
        sendError(res, 409, 'InvalidAction.TaskRunning', 'A running task cannot be cancelled.');
        return;
      } else {
        tasks.delete(task.id);
      }
      sendJson(res, 200, {});
      return;
    }
    sendError(res, 404, 'NotFound', 'The requested route does not exist.');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${base}/api/v3`,
    requests,
    tasks,
    rateLimitOnce: () => {
      rateLimitPending = true;
    },
    refuseNextCreate: (code, message) => {
      createRefusal = { code, message };
    },
    failTasks: (code, message) => {
      taskFailure = { code, message };
    },
    holdRunning: () => {
      hold = true;
    },
    release: () => {
      hold = false;
    },
    honourDeleteWhileRunning: () => {
      cancelRunning = true;
    },
    clearScript: () => {
      rateLimitPending = false;
      createRefusal = null;
      taskFailure = null;
      hold = false;
      cancelRunning = false;
    },
    videoDownloads: () => downloads,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
