import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** A longer URL answers 414 before routing; Node's parser stops at 16 KiB of request line and headers anyway. */
export const MAX_URL_LENGTH = 8 * 1024;

/** A path parameter longer than 100 characters answers 414 (ids and usernames are far shorter): Fastify's default, said out loud. */
export const ROUTER_OPTIONS = { maxParamLength: 100 };

/**
 * Node answers an Expect other than 100-continue with its own bodiless 417; RFC 9110 lets a server
 * ignore it, so the request gets its normal answer (or an error in the envelope).
 */
export function ignoreUnknownExpectations(app: FastifyInstance): void {
  app.server.on('checkExpectation', (req, res) => app.routing(req, res));
}

/** 414 for a URL past MAX_URL_LENGTH, before anything reads it. */
export function installUrlLengthLimit(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (req.raw.url && req.raw.url.length > MAX_URL_LENGTH) {
      throw new AppError('url_too_long', `the URL is longer than ${MAX_URL_LENGTH} characters`);
    }
  });
}
