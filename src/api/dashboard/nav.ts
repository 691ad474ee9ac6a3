import type { FastifyRequest } from 'fastify';
import type { DashboardNav } from '../../web/dashboard/nav.js';

/** What every signed-in page shows in its header: who is signed in, the admin link, the sign-out form's token. */
export function navOf(req: FastifyRequest, current?: DashboardNav['current']): DashboardNav {
  const d = req.dashboard!;
  return { owner: d.principal.owner, keyName: d.principal.name, admin: d.principal.admin, csrf: d.csrf, current };
}
