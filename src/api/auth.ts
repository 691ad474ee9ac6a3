import type { FastifyRequest } from 'fastify';
import type { KeyService } from '../keys/key-service.js';
import type { Principal } from '../principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
};

/** An onRequest hook that resolves the bearer key into `request.principal` (401 invalid_api_key otherwise). */
export function authHook(keys: KeyService) {
  return async (req: FastifyRequest) => {
    req.principal = await keys.authenticate(bearer(req));
  };
}
