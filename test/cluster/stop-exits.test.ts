import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('node.stop()', () => {
  it('leaves no handle open: a process that started, joined and stopped two nodes exits by itself', async () => {
    const entry = pathToFileURL(join(process.cwd(), 'src/node/index.ts')).href;
    const script = join(tmpdir(), `plumtree-stop-${process.pid}.mts`);
    await writeFile(
      script,
      `import { startNode } from ${JSON.stringify(entry)};
       const a = await startNode({ name: 'a', secret: 's', adminPort: 0, heartbeat: { intervalMs: 50 } });
       const b = await startNode({ name: 'b', secret: 's', join: ['127.0.0.1:' + a.address.port] });
       await a.metadata.put(['kv', 'default'], 'x', 1);
       await b.stop();
       await a.stop();
       console.log('stopped');`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PLUMTREE_LOG_LEVEL: 'error' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await Promise.race([
      new Promise<number | null>((r) => child.once('exit', r)),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000).unref()),
    ]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
    expect(out.trim()).toBe('stopped');
  }, 30_000);
});
