import type { DashboardNav } from './nav.js';
import { renderDashboardPage } from './page.js';

const TITLES: Record<number, string> = { 400: 'Not valid', 403: 'Not allowed', 404: 'Not found', 409: 'Conflict', 413: 'Too large', 429: 'Too many requests' };

/** A refusal inside the dashboard: its status, its message and the way back. */
export function renderDashboardError(e: { nav: DashboardNav | null; status: number; code: string; message: string }): string {
  const title = TITLES[e.status] ?? (e.status >= 500 ? 'Something went wrong' : 'Refused');
  return renderDashboardPage('error', title, e.nav, { status: e.status, code: e.code, message: e.message });
}
