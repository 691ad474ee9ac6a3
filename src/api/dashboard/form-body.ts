import type { FastifyInstance } from 'fastify';

/** The dashboard's small forms: `application/x-www-form-urlencoded` into a prototype-less object (the first of a repeated name wins). */
export function acceptUrlEncodedForms(app: FastifyInstance, bodyLimit = 64 * 1024): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    const fields: Record<string, string> = Object.create(null);
    for (const [name, value] of new URLSearchParams(body as string)) if (!(name in fields)) fields[name] = value;
    done(null, fields);
  });
}

/** A text field of a parsed form (urlencoded or multipart), trimmed; missing, blank or not text is undefined. */
export function textField(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object' || !Object.hasOwn(body, name)) return undefined;
  const v = (body as Record<string, unknown>)[name];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}
