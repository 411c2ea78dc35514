import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Compiles `src` and a bench's node script with `tsconfig` into
 * `node_modules/.cache/<cacheName>` (inside the repository, so that its packages
 * resolve) and returns the compiled script's path: bench nodes run on plain node, as
 * a deployed node does, not through the TypeScript loader.
 */
export function buildNodeScript(tsconfig: string, cacheName: string, script: string): string {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const outDir = join(repo, 'node_modules', '.cache', cacheName);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', join(repo, tsconfig), '--outDir', outDir], {
    stdio: 'inherit',
  });
  return join(outDir, 'bench', script);
}
