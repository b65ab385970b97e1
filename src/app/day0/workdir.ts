/**
 * The folder the user works in, which relative paths (the wizard's output folder, `design --from/--out`) are
 * resolved against. `npm start` runs dayops in its own package folder and says in INIT_CWD where the user ran
 * npm: there, that folder is the user's, not the package's.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { packageRoot } from '../../paths.js';

export function workDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const init = env.INIT_CWD;
  if (!init || !isAbsolute(init)) return cwd;
  // Only when npm started dayops in its own folder: an INIT_CWD inherited from some other npm script is not ours.
  let root: string;
  try {
    root = packageRoot();
  } catch {
    return cwd;
  }
  if (resolve(cwd) !== resolve(root)) return cwd;
  try {
    return statSync(init).isDirectory() ? resolve(init) : cwd;
  } catch {
    return cwd;
  }
}
