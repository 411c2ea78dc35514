import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples run as documented', () => {
  it('examples/actor-level.ts delivers a broadcast between two servers under a user supervisor', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/actor-level.ts'], {
      timeout: 30_000,
    });
    expect(stdout).toContain('b delivered m1: hello from a');
    expect(stdout).toContain("a sees members [ 'a', 'b' ]");
  });

  it('examples/supervised-counter.ts restarts a crashed counter under its name', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'examples/supervised-counter.ts'],
      { timeout: 30_000 },
    );
    expect(stdout).toContain('counter after cast +5: 15');
    expect(stdout).toContain('restarted with fresh state, same name: 10');
  });
});
