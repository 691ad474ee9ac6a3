import pino from 'pino';

/** CLI output on stdout is the command's answer (a key, a character): logs go to stderr, warnings up. */
export const cliLogger = (level: string) => pino({ level: level === 'info' ? 'warn' : level }, pino.destination(2));
