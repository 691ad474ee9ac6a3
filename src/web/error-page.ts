import { renderPage } from './templates.js';

export interface ErrorPage {
  status: number;
  title: string;
  message: string;
  /** Seconds, for a 429. */
  retryAfter?: number;
}

/** An error as a page, for browsers (never indexed). */
export function renderErrorPage(e: ErrorPage): string {
  return renderPage('error', e);
}
