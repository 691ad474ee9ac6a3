/**
 * A loopback fake of the fal queue, for the fal engine's tests and the bench. It follows the
 * contract of fal's official JS client, fal-ai/fal-js:
 * - libs/client/src/queue.ts: submit is `POST {queue}/{endpoint id}` (JSON input, header
 *   `x-fal-queue-priority`), answering `{request_id, response_url, status_url, cancel_url,
 *   status: "IN_QUEUE", queue_position}`; status is `GET {queue}/{owner}/{alias}/requests/{id}/status`
 *   (`?logs=0|1`), result `GET {queue}/{owner}/{alias}/requests/{id}`, cancel
 *   `PUT {queue}/{owner}/{alias}/requests/{id}/cancel`: status, result and cancel address the app
 *   (`owner/alias`, from libs/client/src/utils.ts `parseEndpointId`), not the endpoint's sub-path;
 * - libs/client/src/types/common.ts: the statuses IN_QUEUE (with queue_position), IN_PROGRESS,
 *   COMPLETED (with logs and metrics);
 * - libs/client/src/request.ts: `Authorization: Key <key>`, JSON in and out;
 * - errors: `{"detail": [{"loc", "msg", "type", ...}]}` as fal documents them (type
 *   `content_policy_violation` for a content-safety refusal, answered 422 by the result);
 *   a job that failed says so in its COMPLETED status (`error`, `error_type`).
 * The result is `{video: {url, content_type, file_name, file_size}}`, the url served by the fake.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What the next submitted job does. */
export type FalJobBehaviour = 'complete' | 'content_policy' | 'fail' | 'hang';

interface Job {
  id: string;
  endpoint: string;
  app: string;
  input: Record<string, unknown>;
  behaviour: FalJobBehaviour;
  state: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';
  polls: number;
  cancelled: boolean;
  /** performance.now() when it turned COMPLETED. */
  completedAt: number | null;
  held: boolean;
}

export interface FakeFalQueue {
  url: string;
  key: string;
  requests: RecordedRequest[];
  /** The submits received, in order (endpoint and input). */
  submits(): { endpoint: string; input: Record<string, unknown>; requestId: string }[];
  /** The cancels received (request ids). */
  cancels(): string[];
  /** The behaviour of every job submitted from now on. */
  setBehaviour(b: FalJobBehaviour): void;
  /** Answers the next `n` requests (of any kind) with 429 and `Retry-After: <seconds>`. */
  rateLimitNext(n?: number, retryAfterSeconds?: number): void;
  /** Keeps every job (present and future) IN_PROGRESS until `release()`. */
  hold(): void;
  release(): void;
  /** Status polls a job answers IN_QUEUE then IN_PROGRESS before COMPLETED. Default 2. */
  setPollsToComplete(n: number): void;
  /** The job, as the fake sees it. */
  job(requestId: string): { state: string; cancelled: boolean; polls: number; completedAt: number | null } | null;
  /** Resolves with the time the job turned COMPLETED (performance.now()). */
  whenCompleted(requestId: string): Promise<number>;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Starts the fake on 127.0.0.1; `video` is the MP4 every completed job returns (the test made it with ffmpeg). */
export async function startFakeFalQueue(opts: { video: Buffer; key?: string }): Promise<FakeFalQueue> {
  const key = opts.key ?? 'fal-test-key';
  const requests: RecordedRequest[] = [];
  const jobs = new Map<string, Job>();
  const waiters = new Map<string, ((t: number) => void)[]>();
  let behaviour: FalJobBehaviour = 'complete';
  let rateLimited = 0;
  let retryAfter = 1;
  let holding = false;
  let pollsToComplete = 2;
  let base = '';

  const urls = (j: Job) => ({
    request_id: j.id,
    response_url: `${base}/${j.app}/requests/${j.id}`,
    status_url: `${base}/${j.app}/requests/${j.id}/status`,
    cancel_url: `${base}/${j.app}/requests/${j.id}/cancel`,
  });

  const complete = (j: Job) => {
    j.state = 'COMPLETED';
    j.completedAt = performance.now();
    for (const w of waiters.get(j.id) ?? []) w(j.completedAt);
    waiters.delete(j.id);
  };

  function advance(j: Job) {
    if (j.state === 'COMPLETED') return;
    j.polls++;
    if (j.cancelled) return complete(j);
    if (j.behaviour === 'hang' || j.held) {
      j.state = 'IN_PROGRESS';
      return;
    }
    if (j.polls >= pollsToComplete) return complete(j);
    j.state = j.polls === 1 ? 'IN_QUEUE' : 'IN_PROGRESS';
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
    const path = url.pathname.replace(/^\/+/, '');

    // The result file: served like a CDN link (no auth).
    const file = /^files\/([0-9a-f-]+)\.mp4$/.exec(path);
    if (req.method === 'GET' && file) {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(opts.video.length) });
      return res.end(opts.video);
    }
    if (req.headers.authorization !== `Key ${key}`) return json(res, 401, { detail: 'Invalid Key authorization header' });
    if (rateLimited > 0) {
      rateLimited--;
      return json(res, 429, { detail: 'Rate limit exceeded' }, { 'retry-after': String(retryAfter) });
    }

    const m = /^(.+?)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
    if (m) {
      const [, app, id, tail] = m;
      const j = jobs.get(id);
      if (!j || j.app !== app) return json(res, 404, { detail: 'Request not found' });
      if (req.method === 'GET' && tail === '/status') {
        advance(j);
        const base = { status: j.state, ...urls(j) };
        if (j.state === 'IN_QUEUE') return json(res, 202, { ...base, queue_position: 0 });
        if (j.state === 'IN_PROGRESS') return json(res, 202, { ...base, logs: [] });
        if (j.behaviour === 'fail' || j.cancelled) {
          return json(res, 200, {
            ...base,
            logs: [],
            error: j.cancelled ? 'Request was cancelled' : 'Runner crashed while generating',
            error_type: j.cancelled ? 'request_cancelled' : 'runner_server_error',
          });
        }
        return json(res, 200, { ...base, logs: [], metrics: { inference_time: 1.5 } });
      }
      if (req.method === 'PUT' && tail === '/cancel') {
        if (j.state === 'COMPLETED') return json(res, 400, { status: 'ALREADY_COMPLETED' });
        j.cancelled = true;
        return json(res, 202, { status: 'CANCELLATION_REQUESTED' });
      }
      if (req.method === 'GET' && tail === undefined) {
        if (j.state !== 'COMPLETED') return json(res, 400, { detail: 'Request is still in progress' });
        if (j.behaviour === 'content_policy') {
          return json(res, 422, {
            detail: [
              {
                loc: ['body', 'prompt'],
                msg: 'The content could not be processed because it contained material flagged by a content checker.',
                type: 'content_policy_violation',
                url: 'https://docs.fal.ai/errors#content_policy_violation',
                input: j.input.prompt,
              },
            ],
          });
        }
        if (j.behaviour === 'fail') return json(res, 500, { detail: 'Runner crashed while generating' });
        return json(res, 200, {
          video: { url: `${baseUrl()}/files/${j.id}.mp4`, content_type: 'video/mp4', file_name: 'output.mp4', file_size: opts.video.length },
        });
      }
      return json(res, 405, { detail: 'Method not allowed' });
    }

    if (req.method === 'POST' && path.split('/').length >= 2) {
      if (!body || typeof body !== 'object') return json(res, 422, { detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] });
      const parts = path.split('/');
      const app = ['workflows', 'comfy'].includes(parts[0]) ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
      const j: Job = {
        id: randomUUID(),
        endpoint: path,
        app,
        input: body as Record<string, unknown>,
        behaviour,
        state: 'IN_QUEUE',
        polls: 0,
        cancelled: false,
        completedAt: null,
        held: holding,
      };
      jobs.set(j.id, j);
      return json(res, 200, { ...urls(j), status: 'IN_QUEUE', queue_position: 0 });
    }
    return json(res, 404, { detail: 'Not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = () => base;

  return {
    url: base,
    key,
    requests,
    submits: () =>
      requests
        .filter((r) => r.method === 'POST' && !r.path.startsWith('/files/'))
        .map((r) => {
          const j = [...jobs.values()].find((x) => x.input === r.body);
          return { endpoint: r.path.slice(1), input: r.body as Record<string, unknown>, requestId: j?.id ?? '' };
        })
        .filter((s) => s.requestId !== ''),
    cancels: () => requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/cancel')).map((r) => r.path.split('/').at(-2) ?? ''),
    setBehaviour: (b) => {
      behaviour = b;
    },
    rateLimitNext: (n = 1, seconds = 1) => {
      rateLimited = n;
      retryAfter = seconds;
    },
    hold: () => {
      holding = true;
      for (const j of jobs.values()) j.held = true;
    },
    release: () => {
      holding = false;
      for (const j of jobs.values()) j.held = false;
    },
    setPollsToComplete: (n) => {
      pollsToComplete = n;
    },
    job: (id) => {
      const j = jobs.get(id);
      return j ? { state: j.state, cancelled: j.cancelled, polls: j.polls, completedAt: j.completedAt } : null;
    },
    whenCompleted: (id) =>
      new Promise((resolve) => {
        const j = jobs.get(id);
        if (j?.completedAt != null) return resolve(j.completedAt);
        waiters.set(id, [...(waiters.get(id) ?? []), resolve]);
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
