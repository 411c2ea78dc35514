/** `plumtree node --admin-host/--admin-token` (and their environment variables), end to end. */
import { afterEach, describe, expect, it } from 'vitest';
import { adminTokenFromSecret } from '../../src/admin/admin-auth.js';
import { type CliProcess, exitWithin, runCliProcess } from '../support/cli.js';

let running: CliProcess | undefined;
afterEach(async () => {
  running?.proc.kill('SIGTERM');
  if (running) await exitWithin(running, 10_000);
  running = undefined;
});

async function adminPortOf(p: CliProcess): Promise<number> {
  const line = await p.line((l) => l.includes('"listening"'), 30_000);
  return (JSON.parse(line) as { adminPort: number }).adminPort;
}

describe('plumtree node: admin API beyond loopback', () => {
  it('with --admin-host 0.0.0.0 answers only the token derived from the secret', async () => {
    running = runCliProcess(
      [
        'node',
        '--name',
        'a',
        '--admin-port',
        '0',
        '--admin-host',
        '0.0.0.0',
        '--log-level',
        'warn',
      ],
      { PLUMTREE_SECRET: 'cli-admin-secret' },
    );
    const base = `http://127.0.0.1:${await adminPortOf(running)}`;
    expect((await fetch(`${base}/members`)).status).toBe(401);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ok = await fetch(`${base}/members`, {
      headers: { authorization: `Bearer ${adminTokenFromSecret('cli-admin-secret')}` },
    });
    expect(ok.status).toBe(200);
  });

  it('takes the host and token from PLUMTREE_ADMIN_HOST and PLUMTREE_ADMIN_TOKEN', async () => {
    const token = 'an-explicit-admin-token';
    running = runCliProcess(['node', '--name', 'a', '--admin-port', '0', '--log-level', 'warn'], {
      PLUMTREE_SECRET: 'cli-admin-secret',
      PLUMTREE_ADMIN_HOST: '0.0.0.0',
      PLUMTREE_ADMIN_TOKEN: token,
    });
    const base = `http://127.0.0.1:${await adminPortOf(running)}`;
    const derived = adminTokenFromSecret('cli-admin-secret');
    expect(
      (await fetch(`${base}/members`, { headers: { authorization: `Bearer ${derived}` } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${base}/members`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });

  it('with --insecure and no secret serves the admin API beyond loopback open', async () => {
    running = runCliProcess(
      ['node', '--name', 'a', '--admin-port', '0', '--admin-host', '0.0.0.0', '--insecure'],
      { PLUMTREE_SECRET: '' },
    );
    const base = `http://127.0.0.1:${await adminPortOf(running)}`;
    expect((await fetch(`${base}/members`)).status).toBe(200);
    expect(running.err.join('\n')).toContain('the admin API is open to anyone');
  });
});
