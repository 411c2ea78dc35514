/**
 * The data dir's HyParView file: the peers a node knew (active, passive, lost,
 * contacts) when it last saved, so that after a restart it can rejoin the overlay
 * through any of them, not only through a seed that may be down or restarting too.
 * Written atomically like the membership file; read back through the same spec
 * validator as the wire, so a damaged or edited file can only lose entries.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeSpec } from './core/index.js';
import { peerSpec } from './core/wire-spec.js';

const FILE = 'hyparview.json';
const VERSION = 1;

/** Why the saved views could not be read. */
export class ViewsFileError extends Error {
  override readonly name = 'ViewsFileError';
}

/** Reads the saved peers, or an empty list if there is no file. Invalid entries are skipped. */
export async function loadKnownPeers(dataDir: string): Promise<NodeSpec[]> {
  let text: string;
  try {
    text = await readFile(join(dataDir, FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ViewsFileError(`${FILE} is not JSON`, { cause: error });
  }
  const root = data as { version?: unknown; peers?: unknown } | null;
  if (typeof root !== 'object' || root === null || root.version !== VERSION) {
    throw new ViewsFileError(`${FILE} has an unknown version`);
  }
  if (!Array.isArray(root.peers)) throw new ViewsFileError(`${FILE} has no peer list`);
  const out: NodeSpec[] = [];
  for (const raw of root.peers) {
    try {
      out.push(peerSpec(raw, 'saved peer'));
    } catch {
      // one bad entry costs that entry only
    }
  }
  return out;
}

/** Saves the peers atomically. */
export async function saveKnownPeers(dataDir: string, peers: readonly NodeSpec[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const tmp = join(dataDir, `${FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify({ version: VERSION, peers }));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dataDir, FILE));
}
