import { chmod, mkdir } from 'node:fs/promises';

/**
 * DATA_DIR holds the database, the signing secret and every asset: readable by the service's
 * user only. Folders 0700, secret files 0600; modes set by an older version are tightened.
 * A path this user does not own cannot be changed: it is reported, not fatal.
 */
export async function makePrivateDir(path: string): Promise<boolean> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  return tighten(path, 0o700);
}

/** Files that exist get 0600; missing ones are skipped. */
export async function makePrivateFiles(paths: string[]): Promise<string[]> {
  const refused: string[] = [];
  for (const p of paths) if (!(await tighten(p, 0o600))) refused.push(p);
  return refused;
}

async function tighten(path: string, mode: number): Promise<boolean> {
  try {
    await chmod(path, mode);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'EPERM') return false;
    throw err;
  }
}
