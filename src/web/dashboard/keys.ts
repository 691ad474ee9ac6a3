import type { KeyUsageRow } from '../../keys/key-service.js';
import type { DashboardNav } from './nav.js';
import { renderDashboardPage, when } from './page.js';

export function renderKeysPage(d: {
  nav: DashboardNav;
  usage: KeyUsageRow[];
  queueDepth: number;
  newKey?: { key: string; name: string };
  error?: string;
  revoked?: string;
}): string {
  const rows = d.usage.map((u) => ({
    id: u.keyId,
    name: u.name,
    owner: u.owner,
    stored: !u.keyId.startsWith('key_static_'),
    revoked: when(u.revokedAt),
    characters: u.characters,
    engines: u.engines,
    tasks: u.engines.reduce((n, e) => n + e.tasks, 0),
  }));
  return renderDashboardPage('keys', 'Keys and usage', d.nav, {
    rows,
    queueDepth: d.queueDepth,
    newKey: d.newKey ?? null,
    error: d.error ?? null,
    revoked: d.revoked ?? null,
  });
}
