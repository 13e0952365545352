import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The CLI alone, copied elsewhere: bin/, package.json and the built bundle with its source map,
 * and no node_modules (so no driver). Returns the paths of the copy.
 */
export function installCopy(parent: string): { bin: string; bundle: string } {
  const root = mkdtempSync(join(parent, 'install-'));
  mkdirSync(join(root, 'dist'));
  cpSync(join(REPO, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(root, 'package.json'));
  for (const name of readdirSync(join(REPO, 'dist')).filter((n) => n.startsWith('modkit-cli.'))) {
    cpSync(join(REPO, 'dist', name), join(root, 'dist', name));
  }
  return { bin: join(root, 'bin', 'modkit.js'), bundle: join(root, 'dist', 'modkit-cli.cjs') };
}
