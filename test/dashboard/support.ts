import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** A browser's cookie jar for app.inject: keeps what Set-Cookie sends (Max-Age=0 removes). */
export class Jar {
  readonly cookies = new Map<string, string>();
  take(res: LightMyRequestResponse): void {
    const set = res.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      if (/Max-Age=0(;|$)/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The value of a hidden `csrf` field of a page. */
export const csrfOf = (html: string): string => {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  expect(m, 'the page has a csrf field').not.toBeNull();
  return m![1]!;
};

export const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** A multipart body (and its content-type) from a FormData, as a browser would send it. */
export async function multipart(fd: FormData): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const req = new Request('http://localhost/', { method: 'POST', body: fd });
  return { body: Buffer.from(await req.arrayBuffer()), headers: { 'content-type': req.headers.get('content-type')! } };
}

/** Signs in through the form with `key`; the jar then holds the session. */
export async function signIn(app: FastifyInstance, jar: Jar, key: string): Promise<LightMyRequestResponse> {
  const page = await app.inject({ method: 'GET', url: '/admin/login', headers: { cookie: jar.header() } });
  jar.take(page);
  const res = await app.inject({
    method: 'POST',
    url: '/admin/login',
    ...form({ key, csrf: csrfOf(page.body), next: '/admin/characters' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
  });
  jar.take(res);
  return res;
}
