/**
 * The data dir's membership file: written atomically (temp file, fsync, rename, fsync
 * of the directory) so a crash leaves either the old file or the new one, never half.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { MembershipStateData } from './core/index.js';

const FILE = 'membership.json';

/** Reads the saved state, or undefined if there is none. */
export async function loadMembership(dataDir: string): Promise<MembershipStateData | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as MembershipStateData;
}

/** Saves the state atomically. */
export async function saveMembership(dataDir: string, state: MembershipStateData): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const tmp = join(dataDir, `${FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(state));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dataDir, FILE));
  const dir = await open(dataDir, 'r');
  try {
    await dir.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await dir.close();
  }
}
