import { expect } from 'vitest';
import { statusOf } from '../../src/api/error-status.js';
import { AppError } from '../../src/errors.js';

export interface Refusal {
  /** The HTTP status the API answers for this error (src/api/error-status.ts). */
  status: number;
  code: string;
  param: string | null;
  message: string;
  retryAfter?: number;
}

/** The AppError a service call is refused with, as the API would answer it; fails when it succeeds or throws something else. */
export async function refusalOf(call: Promise<unknown>): Promise<Refusal> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) expect.fail(`expected a refusal, got ${JSON.stringify(outcome.value)?.slice(0, 300)}`);
  expect(outcome.error).toBeInstanceOf(AppError);
  const e = outcome.error as AppError;
  return {
    status: statusOf(e.code).status,
    code: e.code,
    param: e.param,
    message: e.message,
    ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}),
  };
}
