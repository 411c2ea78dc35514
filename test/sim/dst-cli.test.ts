import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/sim/cli-args.js';
import { runDstCommand } from '../../src/sim/dst/cli-command.js';

function dst(args: string[]) {
  const cmd = parseCliArgs(['dst', ...args]);
  if (cmd.kind !== 'dst') throw new Error('not a dst command');
  return cmd;
}

describe('sim dst command line', () => {
  it('parses a batch', () => {
    expect(
      dst(['--seeds', '5', '--nodes', '6', '--steps', '10', '--overlay', 'full', '--json']),
    ).toEqual({
      kind: 'dst',
      seeds: 5,
      firstSeed: 0,
      seed: undefined,
      nodes: 6,
      steps: 10,
      overlays: ['full'],
      scenarios: undefined,
      namedSeeds: 3,
      workers: 2,
      json: true,
    });
  });

  it('runs both overlays by default', () => {
    expect(dst([]).overlays).toEqual(['full', 'hyparview']);
  });

  it.each([[['--overlay', 'mesh']], [['--seeds', '0']], [['--bogus', '1']], [['--seed', 'x']]])(
    'rejects %j',
    (args) => {
      expect(() => parseCliArgs(['dst', ...args])).toThrow(UsageError);
    },
  );

  it('rejects an unknown scenario', async () => {
    await expect(runDstCommand(dst(['--scenario', 'nope']), () => undefined)).rejects.toThrow(
      UsageError,
    );
  });

  it('prints runs, violations and failures as JSON, exit code 0 when clean', async () => {
    let out = '';
    const code = await runDstCommand(
      dst([
        '--seeds',
        '2',
        '--scenario',
        'random',
        '--overlay',
        'full',
        '--workers',
        '1',
        '--json',
      ]),
      (t) => {
        out += t;
      },
    );
    const report = JSON.parse(out) as { runs: number; violations: number; failures: unknown[] };
    expect(report).toMatchObject({ runs: 2, violations: 0, failures: [] });
    expect(code).toBe(0);
  });

  it('replays one seed with a readable trace', async () => {
    let out = '';
    await runDstCommand(dst(['--seed', '3', '--overlay', 'full', '--steps', '5']), (t) => {
      out += t;
    });
    expect(out).toMatch(/== seed 3, random, full/);
    expect(out).toMatch(/ms {2}n0 +start \(incarnation 1\)/);
  });
});

describe('sim dst exit code', () => {
  it('is 1 when an oracle is violated', async () => {
    const code = await runDstCommand(
      dst(['--seeds', '1', '--scenario', 'sabotage-eager-drop', '--overlay', 'full', '--json']),
      () => undefined,
    );
    expect(code).toBe(1);
  });
});
