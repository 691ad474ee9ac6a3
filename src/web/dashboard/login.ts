import { renderDashboardPage } from './page.js';

/** The sign-in form: an API key, never echoed back. */
export function renderLoginPage(data: { csrf: string; next: string; error?: string }): string {
  return renderDashboardPage('login', 'Sign in', null, data);
}
