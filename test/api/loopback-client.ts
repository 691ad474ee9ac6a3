/** Real HTTP against a harness listening on loopback: forms built field by field, in order. */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';

export async function listenOnLoopback(h: Harness): Promise<string> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
}

export type FormEntry = [name: string, value: string | Blob, filename?: string];

export async function postForm(url: string, headers: Record<string, string>, entries: FormEntry[]) {
  const form = new FormData();
  for (const [name, value, filename] of entries) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, filename);
  }
  const res = await fetch(url, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export async function postJson(url: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export function expectRefusal(res: { status: number; body: Record<string, any> }, status: number, code: string, param?: string | null) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toMatchObject({ code, type: expect.any(String), message: expect.any(String) });
  if (param !== undefined) expect(res.body.error.param).toBe(param);
}

/** A ready character of `headers`' key, made with the SDK's route (multipart `video` + `name`). */
export async function uploadCharacter(base: string, headers: Record<string, string>, faceVideo: string, name: string) {
  const video = new Blob([await readFile(faceVideo)], { type: 'video/mp4' });
  const res = await postForm(`${base}/v1/videos/characters`, headers, [
    ['name', name],
    ['video', video, 'face.mp4'],
  ]);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; username: string; visibility: string };
}
