import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Copies an example project into `<repo>/.tmp/`, inside the package, so that its
 * `import { defineModule } from 'modkit'` resolves to this checkout (package self-reference)
 * exactly as it does for a user who installed modkit.
 */
export async function copyExample(name = 'shop'): Promise<{ dir: string; config: string; cleanup(): Promise<void> }> {
  await mkdir(join(REPO, '.tmp'), { recursive: true });
  const dir = await mkdtemp(join(REPO, '.tmp', `${name}-`));
  await cp(join(REPO, 'migrations-examples', name), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${join('migrations-examples', name, '.modkit')}`),
  });
  return { dir, config: join(dir, 'modkit.config.ts'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
