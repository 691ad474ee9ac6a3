import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { fieldWithForbiddenKey } from './forbidden-keys.js';

/**
 * application/json, replacing Fastify's parser for two reasons: an empty body is no body (the
 * Python SDK sends `content-type: application/json` on a DELETE without one), and a key that
 * reaches Object.prototype is refused like one in a form field name (400 invalid_parameter).
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    if (text.length === 0) return done(null, undefined);
    let body: unknown;
    try {
      body = JSON.parse(text as string);
    } catch {
      return done(new AppError('invalid_json', 'the request body is not valid JSON'), undefined);
    }
    const field = fieldWithForbiddenKey(body);
    if (field !== null) {
      return done(
        new AppError('invalid_parameter', `\`${field}\` holds a key that is not allowed (__proto__, constructor, prototype)`, { param: field }),
        undefined,
      );
    }
    done(null, body);
  });

  // A request without a body, on a route that takes one, reads as `{}`: each field then answers
  // with its own error (missing `prompt`), not with one about the body.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body === undefined && req.routeOptions.schema?.body !== undefined) req.body = {};
    done();
  });
}
