import type { Server } from 'node:http';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** The connection settings (README "Settings"). */
export interface ConnectionSettings {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
  maxConnections: number;
}

/** A longer URL answers 414 before routing; Node's parser stops at 16 KiB of request line and headers anyway. */
export const MAX_URL_LENGTH = 8 * 1024;

/** A path parameter longer than 100 characters answers 414 (ids and usernames are far shorter): Fastify's default, said out loud. */
export const ROUTER_OPTIONS = { maxParamLength: 100 };

/**
 * Fastify's server options for slow and idle clients. Node's requestTimeout runs from the first
 * byte until the request is fully received, so a handler that waits (a synchronous create, up to
 * SYNC_WAIT_MS) is not cut by it.
 */
export function serverOptions(s: ConnectionSettings): FastifyHttpOptions<Server> {
  return {
    requestTimeout: s.requestTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    maxRequestsPerSocket: s.maxRequestsPerSocket,
    http: {
      requestTimeout: s.requestTimeoutMs,
      headersTimeout: s.headersTimeoutMs,
      // Node checks both timeouts every 30 s by default: a slow client would keep its connection up to 30 s too long.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(s.headersTimeoutMs / 4)),
    },
  };
}

/** The limit Fastify has no option for, set on its Node server. */
export function limitConnections(app: FastifyInstance, s: ConnectionSettings): void {
  // Beyond it Node closes new connections at once, unanswered ('drop'); the open ones are served.
  (app.server as Server).maxConnections = s.maxConnections;
}

/**
 * Node answers an Expect other than 100-continue with its own bodiless 417; RFC 9110 lets a server
 * ignore it, so the request gets its normal answer (or an error in the envelope).
 */
export function ignoreUnknownExpectations(app: FastifyInstance): void {
  app.server.on('checkExpectation', (req, res) => app.routing(req, res));
}

/** 414 for a URL past MAX_URL_LENGTH, before anything reads it. */
export function installUrlLengthLimit(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.raw.url && req.raw.url.length > MAX_URL_LENGTH) {
      return done(new AppError('url_too_long', `the URL is longer than ${MAX_URL_LENGTH} characters`));
    }
    done();
  });
}
