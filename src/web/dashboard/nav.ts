/** The header of every signed-in dashboard page. */
export interface DashboardNav {
  owner: string;
  keyName: string;
  admin: boolean;
  /** The session's CSRF token, for the sign-out form. */
  csrf: string;
  current?: 'characters' | 'new' | 'videos' | 'keys';
}
