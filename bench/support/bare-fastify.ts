/**
 * The read-path baseline: a bare Fastify (no logger, no plugins) that answers the same bytes the
 * service answered, read once at start from BARE_BODIES: character.json, profile.html,
 * portrait.webp, each with the content type the service sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';

const dir = process.env.BARE_BODIES!;
const port = Number(process.env.BARE_PORT);
const json = readFileSync(join(dir, 'character.json'));
const html = readFileSync(join(dir, 'profile.html'));
const webp = readFileSync(join(dir, 'portrait.webp'));

const app = Fastify({ logger: false });
app.get('/ready', async () => ({ ok: true }));
app.get('/character', (_req, reply) => {
  reply.type('application/json; charset=utf-8').send(json);
});
app.get('/profile', (_req, reply) => {
  reply.type('text/html; charset=utf-8').send(html);
});
app.get('/portrait', (_req, reply) => {
  reply.type('image/webp').send(webp);
});
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
