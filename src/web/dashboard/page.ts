import { type LayoutData, renderPage } from '../templates.js';
import type { DashboardNav } from './nav.js';

const TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** A unix time as the pages show it, and as a <time datetime>. */
export const when = (unix: number | null) =>
  unix === null ? null : { iso: new Date(unix * 1000).toISOString(), text: `${TIME.format(new Date(unix * 1000))} UTC` };

/**
 * A dashboard page: templates/dashboard/<name>.eta inside the shared layout, with the dashboard's
 * stylesheet and script (and `scripts` of its own). Never indexed.
 */
export function renderDashboardPage(name: string, title: string, nav: DashboardNav | null, data: object, opts: { scripts?: string[] } = {}): string {
  const layout: LayoutData = {
    title: `${title} · sora-characters`,
    noindex: true,
    styles: ['dashboard.css'],
    scripts: ['dashboard.js', ...(opts.scripts ?? [])],
  };
  return renderPage(`dashboard/${name}`, { ...data, layout, nav, title });
}
