import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ActorRef,
  CallExitError,
  call,
  isAlive,
  start,
  stop,
  stopServer,
  whenExited,
} from '../../src/actors/index.js';
import {
  type RestartType,
  restartChild,
  type Strategy,
  startChild,
  startSupervisor,
  terminateChild,
  whichChildren,
} from '../../src/supervisor/index.js';
import { workerSpec } from './worker.js';

/** What should be true of the supervisor: its children in order, which run, and whether it gave up. */
interface Model {
  strategy: Strategy;
  intensity: number;
  children: { id: string; restart: RestartType; running: boolean }[];
  restarts: number;
  givenUp: boolean;
  nextId: number;
}

interface Real {
  sup: ActorRef;
}

/** A restart event, as OTP counts it: one per failure, whatever the strategy restarts. */
function applyRestart(m: Model, failedId: string): void {
  m.restarts++;
  if (m.restarts > m.intensity) {
    m.givenUp = true;
    for (const c of m.children) c.running = false;
    return;
  }
  const i = m.children.findIndex((c) => c.id === failedId);
  const from = m.strategy === 'one_for_one' ? i : m.strategy === 'one_for_all' ? 0 : i;
  const to = m.strategy === 'one_for_one' ? i + 1 : m.children.length;
  const affected = m.children.slice(from, to);
  m.children = m.children.filter(
    (c) => !(affected.includes(c) && c.id !== failedId && c.restart === 'temporary'),
  );
  for (const c of m.children.slice(from, from + affected.length)) c.running = true;
  for (const c of m.children) if (affected.some((a) => a.id === c.id)) c.running = true;
}

/** The child exited: crash (abnormal) or normal. */
function applyExit(m: Model, id: string, abnormal: boolean): void {
  const c = m.children.find((x) => x.id === id);
  if (!c) return;
  c.running = false;
  if (c.restart === 'temporary') {
    m.children = m.children.filter((x) => x !== c);
    return;
  }
  if (c.restart === 'transient' && !abnormal) return;
  applyRestart(m, id);
}

async function refOf(sup: ActorRef, id: string): Promise<ActorRef> {
  const row = (await whichChildren(sup)).find((c) => c.id === id);
  if (!row || typeof row.ref !== 'object') throw new Error(`child ${id} not running`);
  return row.ref;
}

async function check(m: Model, r: Real): Promise<void> {
  if (m.givenUp) {
    expect(await whenExited(r.sup)).toBe('shutdown');
    return;
  }
  const rows = await whichChildren(r.sup);
  expect(rows.map((c) => ({ id: c.id, running: typeof c.ref === 'object' }))).toEqual(
    m.children.map((c) => ({ id: c.id, running: c.running })),
  );
}

const running = (m: Model) => m.children.filter((c) => c.running);

class ExitChild implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly abnormal: boolean,
  ) {}
  check = (m: Readonly<Model>) => !m.givenUp && running(m as Model).length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const c = running(m)[this.pick % running(m).length]!;
    const ref = await refOf(r.sup, c.id);
    if (this.abnormal) await expect(call(ref, 'crash')).rejects.toBeInstanceOf(CallExitError);
    else await call(ref, 'exit-normal');
    await whenExited(ref);
    applyExit(m, c.id, this.abnormal);
    await check(m, r);
  }
  toString = () => `${this.abnormal ? 'crash' : 'exitNormal'}(#${this.pick})`;
}

class StartChild implements fc.AsyncCommand<Model, Real> {
  constructor(readonly restart: RestartType) {}
  check = (m: Readonly<Model>) => !m.givenUp;
  async run(m: Model, r: Real): Promise<void> {
    const id = `c${m.nextId++}`;
    await startChild(r.sup, workerSpec(id, { restart: this.restart }));
    m.children.push({ id, restart: this.restart, running: true });
    await check(m, r);
  }
  toString = () => `startChild(${this.restart})`;
}

class TerminateChild implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => !m.givenUp && m.children.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const c = m.children[this.pick % m.children.length]!;
    await terminateChild(r.sup, c.id);
    c.running = false;
    if (c.restart === 'temporary') m.children = m.children.filter((x) => x !== c);
    await check(m, r);
  }
  toString = () => `terminateChild(#${this.pick})`;
}

class RestartChild implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => !m.givenUp && m.children.some((c) => !c.running);
  async run(m: Model, r: Real): Promise<void> {
    const stopped = m.children.filter((c) => !c.running);
    const c = stopped[this.pick % stopped.length]!;
    await restartChild(r.sup, c.id);
    c.running = true;
    await check(m, r);
  }
  toString = () => `restartChild(#${this.pick})`;
}

const restartType = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');

describe('supervisor model', () => {
  it('agrees with a model of running children and giving up, over random crashes, exits, starts and stops', async () => {
    const commands = fc.commands(
      [
        fc.tuple(fc.nat(), fc.boolean()).map(([p, a]) => new ExitChild(p, a)),
        restartType.map((t) => new StartChild(t)),
        fc.nat().map((p) => new TerminateChild(p)),
        fc.nat().map((p) => new RestartChild(p)),
      ],
      { maxCommands: 25 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one'),
        fc.integer({ min: 0, max: 4 }),
        fc.array(restartType, { maxLength: 4 }),
        commands,
        async (strategy, intensity, initial, cmds) => {
          const system = start();
          try {
            const children = initial.map((restart, i) => workerSpec(`i${i}`, { restart }));
            const sup = await startSupervisor(system, {
              strategy,
              intensity,
              period: 3_600_000,
              children,
            });
            const model: Model = {
              strategy,
              intensity,
              children: initial.map((restart, i) => ({ id: `i${i}`, restart, running: true })),
              restarts: 0,
              givenUp: false,
              nextId: 0,
            };
            await fc.asyncModelRun(() => ({ model, real: { sup } }), cmds);
            if (isAlive(sup)) await stopServer(sup, 'shutdown', 'infinity');
          } finally {
            stop(system);
          }
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);
});
