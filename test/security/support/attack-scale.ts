/**
 * How big an attack test runs. `npm test` runs the short form (seconds); `npm run fuzz` and
 * `npm run load` set SC_ATTACKS=long for the long form. Both are bounded in count and in time.
 */
export const LONG_RUN = process.env.SC_ATTACKS === 'long';

/** `short` under `npm test`, `long` under `npm run fuzz` / `npm run load`. */
export const sized = <T>(short: T, long: T): T => (LONG_RUN ? long : short);

/** A fixed seed per run so a failure can be replayed (SC_ATTACK_SEED overrides). */
export const ATTACK_SEED = Number(process.env.SC_ATTACK_SEED ?? 20_240_612);
