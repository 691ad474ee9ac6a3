import type { Dialect } from './database.js';

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/**
 * True when `err` is a unique (or primary key) violation of `constraint` (PostgreSQL reports its
 * name) on `column` (`table.column`, which SQLite names in its message).
 */
export function isUniqueViolation(err: unknown, dialect: Dialect, target: { constraint: string; column: string }): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as DriverError;
  if (dialect === 'postgres') return e.code === '23505' && e.constraint === target.constraint;
  return (
    (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') && typeof e.message === 'string' && e.message.includes(target.column)
  );
}
