import { describe, expect, it } from 'vitest';
import {
  type ActorRef,
  CallExitError,
  call,
  isAlive,
  spawnServer,
  stopServer,
  whenExited,
  whereis,
} from '../../src/actors/index.js';
import { globalMetrics } from '../../src/metrics/index.js';
import {
  ChildAlreadyStartedError,
  ChildRunningError,
  ChildStartError,
  countChildren,
  deleteChild,
  restartChild,
  spawnSupervisor,
  startChild,
  startSupervisor,
  terminateChild,
  whichChildren,
} from '../../src/supervisor/index.js';
import { eventually, useSystem } from '../support/actors.js';
import { worker, workerSpec } from './worker.js';

async function refOf(sup: ActorRef, id: string): Promise<ActorRef> {
  const row = (await whichChildren(sup)).find((c) => c.id === id);
  if (!row || typeof row.ref !== 'object') throw new Error(`child ${id} is not running`);
  return row.ref;
}

async function crash(sup: ActorRef, id: string): Promise<void> {
  await expect(call(await refOf(sup, id), 'crash')).rejects.toBeInstanceOf(CallExitError);
}

describe('supervisor strategies', () => {
  const system = useSystem();

  it('one_for_one restarts only the child that crashed', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      intensity: 5,
      children: ['a', 'b', 'c'].map((id) => workerSpec(id, { log })),
    });
    log.length = 0;
    await crash(sup, 'b');
    await whichChildren(sup);
    expect(log).toEqual(['stop:b:error', 'start:b']);
  });

  it('one_for_all stops the others in reverse order and restarts all in order', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_all',
      intensity: 5,
      children: ['a', 'b', 'c'].map((id) => workerSpec(id, { log })),
    });
    log.length = 0;
    await crash(sup, 'b');
    await whichChildren(sup);
    expect(log).toEqual([
      'stop:b:error',
      'stop:c:shutdown',
      'stop:a:shutdown',
      'start:a',
      'start:b',
      'start:c',
    ]);
  });

  it('rest_for_one restarts the crashed child and those started after it', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'rest_for_one',
      intensity: 5,
      children: ['a', 'b', 'c'].map((id) => workerSpec(id, { log })),
    });
    log.length = 0;
    await crash(sup, 'b');
    await whichChildren(sup);
    expect(log).toEqual(['stop:b:error', 'stop:c:shutdown', 'start:b', 'start:c']);
  });

  it('simple_one_for_one starts children from its template with extra arguments', async () => {
    const seen: unknown[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'simple_one_for_one',
      children: [
        {
          id: 'peer',
          start: (parent: ActorRef, peer: unknown) => {
            seen.push(peer);
            return spawnServer(parent, worker(String(peer)), undefined);
          },
        },
      ],
    });
    const a = await startChild(sup, ['node-a']);
    await startChild(sup, ['node-b']);
    expect(seen).toEqual(['node-a', 'node-b']);
    expect(await call(a, 'ping')).toBe('pong:node-a:0');
    expect((await countChildren(sup)).active).toBe(2);
  });

  it('simple_one_for_one restarts a crashed child with the same arguments', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'simple_one_for_one',
      intensity: 3,
      children: [
        {
          id: 'peer',
          start: (p: ActorRef, id: unknown) =>
            spawnServer(p, worker(String(id), { log }), undefined),
        },
      ],
    });
    const a = await startChild(sup, ['x']);
    await expect(call(a, 'crash')).rejects.toBeInstanceOf(CallExitError);
    const rows = await whichChildren(sup);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.ref).not.toBe(a);
    expect(log).toEqual(['start:x', 'stop:x:error', 'start:x']);
  });

  it('simple_one_for_one terminateChild by reference removes that child', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'simple_one_for_one',
      children: [
        {
          id: 'peer',
          start: (p: ActorRef, id: unknown) => spawnServer(p, worker(String(id)), undefined),
        },
      ],
    });
    const a = await startChild(sup, ['x']);
    await terminateChild(sup, a);
    expect(isAlive(a)).toBe(false);
    expect(await countChildren(sup)).toMatchObject({ specs: 0, active: 0 });
  });
});

describe('restart types', () => {
  const system = useSystem();

  it('a permanent child is restarted even after a normal exit', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('p', { log })],
    });
    await call(await refOf(sup, 'p'), 'exit-normal');
    await eventually(() => log.length === 3);
    expect(log).toEqual(['start:p', 'stop:p:normal', 'start:p']);
  });

  it('a transient child is not restarted after a normal exit', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('t', { log, restart: 'transient' })],
    });
    const ref = await refOf(sup, 't');
    await call(ref, 'exit-normal');
    await whenExited(ref);
    expect(await whichChildren(sup)).toEqual([
      { id: 't', ref: undefined, type: 'worker', restart: 'transient' },
    ]);
  });

  it('a transient child is restarted after a crash', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('t', { log, restart: 'transient' })],
    });
    await crash(sup, 't');
    await whichChildren(sup);
    expect(log).toEqual(['start:t', 'stop:t:error', 'start:t']);
  });

  it('a temporary child is never restarted and its spec is removed', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('tmp', { restart: 'temporary' })],
    });
    await crash(sup, 'tmp');
    expect(await whichChildren(sup)).toEqual([]);
  });
});

describe('restart intensity', () => {
  const system = useSystem();

  it('more restarts than intensity within period stops the children in reverse order and exits with shutdown', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      intensity: 2,
      period: 60_000,
      children: ['a', 'b', 'c'].map((id) => workerSpec(id, { log })),
    });
    await crash(sup, 'a');
    await crash(sup, 'a');
    const third = await refOf(sup, 'a');
    log.length = 0;
    await expect(call(third, 'crash')).rejects.toBeInstanceOf(CallExitError);
    expect(await whenExited(sup)).toBe('shutdown');
    expect(log).toEqual(['stop:a:error', 'stop:c:shutdown', 'stop:b:shutdown']);
  });

  it('restarts older than the period no longer count', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      intensity: 1,
      period: 30,
      children: [workerSpec('a')],
    });
    await crash(sup, 'a');
    await new Promise((r) => setTimeout(r, 40)); // the restart window itself is what is tested
    await crash(sup, 'a');
    expect(isAlive(sup)).toBe(true);
  });

  it('a supervisor that gives up escalates: its parent restarts it per its own strategy', async () => {
    const log: string[] = [];
    const child = {
      id: 'inner',
      type: 'supervisor' as const,
      start: (p: ActorRef) =>
        spawnSupervisor(p, {
          strategy: 'one_for_one',
          intensity: 0,
          children: [workerSpec('w', { log })],
        }),
    };
    const root = await startSupervisor(system(), {
      strategy: 'one_for_one',
      intensity: 3,
      children: [child],
    });
    const inner = await refOf(root, 'inner');
    await crash(inner, 'w');
    expect(await whenExited(inner)).toBe('shutdown');
    const again = await refOf(root, 'inner');
    expect(again).not.toBe(inner);
    expect(await call(await refOf(again, 'w'), 'ping')).toBe('pong:w:0');
    expect(log).toEqual(['start:w', 'stop:w:error', 'start:w']);
  });

  it('counts restarts per child in plumtree_actor_restarts_total', async () => {
    const counter = globalMetrics.counter('plumtree_actor_restarts_total', '');
    const before = counter.get({ actor: 'counted' });
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      intensity: 5,
      children: [workerSpec('counted')],
    });
    await crash(sup, 'counted');
    await crash(sup, 'counted');
    await whichChildren(sup);
    expect(counter.get({ actor: 'counted' })).toBe(before + 2);
  });
});

describe('restarted children', () => {
  const system = useSystem();

  it("a restarted child does not receive its predecessor's timers", async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('t', { log })],
    });
    await call(await refOf(sup, 't'), { timer: 20 });
    await crash(sup, 't');
    await call(await refOf(sup, 't'), { timer: 60 });
    await eventually(() => log.includes('tick:t'));
    await new Promise((r) => setTimeout(r, 30)); // room for a stray second tick to show up
    expect(log.filter((l) => l === 'tick:t')).toHaveLength(1);
  });

  it('a registered name is re-bound to the restarted child', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('named', { name: 'svc@node-a:9000' })],
    });
    const first = whereis('svc@node-a:9000');
    await expect(call('svc@node-a:9000', 'crash')).rejects.toBeInstanceOf(CallExitError);
    await whichChildren(sup);
    const second = whereis('svc@node-a:9000');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await call('svc@node-a:9000', 'ping')).toBe('pong:named:0');
  });
});

describe('start and shutdown', () => {
  const system = useSystem();

  it('a child start failure stops the started children in reverse order and fails the start', async () => {
    const log: string[] = [];
    const err = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [
        workerSpec('a', { log }),
        workerSpec('b', { log }),
        workerSpec('c', { log, failInit: () => 'no config' }),
      ],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChildStartError);
    expect(((err as ChildStartError).cause as Error).message).toBe('no config');
    expect(log).toEqual(['start:a', 'start:b', 'stop:b:shutdown', 'stop:a:shutdown']);
  });

  it('stopping a supervisor stops its children in reverse start order', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: ['a', 'b', 'c'].map((id) => workerSpec(id, { log })),
    });
    log.length = 0;
    await stopServer(sup, 'shutdown', 'infinity');
    expect(log).toEqual(['stop:c:shutdown', 'stop:b:shutdown', 'stop:a:shutdown']);
  });

  it('a child whose terminate outlasts its shutdown time is killed', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [
        workerSpec('slow', { log, terminateMs: 5_000, shutdown: 20 }),
        workerSpec('fast', { log }),
      ],
    });
    const slow = await refOf(sup, 'slow');
    log.length = 0;
    await stopServer(sup, 'shutdown', 'infinity');
    expect(await whenExited(slow)).toBe('killed');
    expect(log).toEqual(['stop:fast:shutdown']);
  });

  it('a brutal_kill child is killed without terminate', async () => {
    const log: string[] = [];
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('k', { log, shutdown: 'brutal_kill' })],
    });
    const k = await refOf(sup, 'k');
    log.length = 0;
    await stopServer(sup, 'shutdown', 'infinity');
    expect(await whenExited(k)).toBe('killed');
    expect(log).toEqual([]);
  });
});

describe('dynamic API', () => {
  const system = useSystem();

  it('startChild adds a child at the end and rejects a duplicate id', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('a')],
    });
    await startChild(sup, workerSpec('b'));
    expect((await whichChildren(sup)).map((c) => c.id)).toEqual(['a', 'b']);
    await expect(startChild(sup, workerSpec('b'))).rejects.toBeInstanceOf(ChildAlreadyStartedError);
  });

  it('terminateChild keeps the spec so restartChild can start it again', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('a')],
    });
    await terminateChild(sup, 'a');
    expect(await countChildren(sup)).toEqual({ specs: 1, active: 0, supervisors: 0, workers: 1 });
    const ref = await restartChild(sup, 'a');
    expect(await call(ref, 'ping')).toBe('pong:a:0');
  });

  it('deleteChild refuses a running child and removes a stopped one', async () => {
    const sup = await startSupervisor(system(), {
      strategy: 'one_for_one',
      children: [workerSpec('a')],
    });
    await expect(deleteChild(sup, 'a')).rejects.toBeInstanceOf(ChildRunningError);
    await terminateChild(sup, 'a');
    await deleteChild(sup, 'a');
    expect(await whichChildren(sup)).toEqual([]);
  });

  it('a failing dynamic call leaves the supervisor running', async () => {
    const sup = await startSupervisor(system(), { strategy: 'one_for_one', children: [] });
    await expect(
      startChild(sup, workerSpec('bad', { failInit: () => 'nope' })),
    ).rejects.toBeInstanceOf(ChildStartError);
    expect(isAlive(sup)).toBe(true);
    expect(await countChildren(sup)).toMatchObject({ specs: 0 });
  });
});
