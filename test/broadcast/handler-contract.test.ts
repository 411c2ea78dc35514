import { afterEach, describe, expect, it } from 'vitest';
import { type ActorRef, type SystemRef, start, stop, whereis } from '../../src/actors/index.js';
import {
  type BroadcastHandler,
  broadcast,
  broadcastChannel,
  broadcastServerName,
  cancelExchanges,
  debugGetTree,
  exchanges,
  getPeers,
  HandlerContractError,
  type InfoOpt,
  type PlumtreeOptions,
  spawnBroadcastServer,
} from '../../src/broadcast/index.js';
import type { Logger } from '../../src/log/logger.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { startSupervisor, whichChildren } from '../../src/supervisor/index.js';
import { seededRng } from '../../src/util/rng.js';
import { deferred, eventually } from '../support/actors.js';
import { MemoryBroadcastNet, type SetHandler, setHandler } from '../support/memory-broadcast.js';

const FAST: Partial<PlumtreeOptions> = {
  lazyTickPeriod: 20,
  exchangeTickPeriod: 100_000,
  graftTimeout1: 40,
  graftTimeout2: 20,
};

interface Entry {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that keeps every line, with its bindings. */
function capture(entries: Entry[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      void entries.push({ level, msg, fields: { ...bindings, ...fields } });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => capture(entries, { ...bindings, ...more }),
    level: 'debug',
  };
}

let system: SystemRef | undefined;
afterEach(() => {
  if (system) stop(system);
  system = undefined;
});

interface NodeSetup {
  readonly handler: BroadcastHandler;
  readonly eagers?: readonly string[];
  readonly lazys?: readonly string[];
  readonly peerInfo?: (peer: string, opts: readonly InfoOpt[]) => Record<string, unknown>;
}

interface Supervised {
  readonly net: MemoryBroadcastNet;
  readonly logs: Record<string, Entry[]>;
  readonly metrics: Record<string, MetricsRegistry>;
  readonly sups: Record<string, ActorRef>;
  /** The server refs right after start: a restart would change them. */
  readonly first: Record<string, ActorRef | undefined>;
}

/**
 * Each node's broadcast server under its own supervisor that allows no restart at
 * all within the test, so a crash shows as a changed (or missing) server.
 */
async function supervised(
  members: readonly string[],
  nodes: Record<string, NodeSetup>,
  opts: Partial<PlumtreeOptions> = FAST,
): Promise<Supervised> {
  system ??= start();
  const net = new MemoryBroadcastNet();
  const logs: Record<string, Entry[]> = {};
  const metrics: Record<string, MetricsRegistry> = {};
  const sups: Record<string, ActorRef> = {};
  const first: Record<string, ActorRef | undefined> = {};
  for (const [node, setup] of Object.entries(nodes)) {
    logs[node] = [];
    metrics[node] = new MetricsRegistry();
    sups[node] = await startSupervisor(system, {
      strategy: 'one_for_one',
      intensity: 5,
      children: [
        {
          id: 'broadcast',
          start: (p) =>
            spawnBroadcastServer(p, {
              node,
              members,
              handlers: [setup.handler],
              opts,
              transport: net.transport(node),
              metrics: metrics[node]!,
              logger: capture(logs[node]!),
              rng: seededRng(node.charCodeAt(0)),
              ...(setup.eagers && setup.lazys ? { eagers: setup.eagers, lazys: setup.lazys } : {}),
              ...(setup.peerInfo ? { peerInfo: setup.peerInfo } : {}),
            }),
        },
      ],
    });
    await whichChildren(sups[node]!);
    first[node] = whereis(broadcastServerName(node));
  }
  return { net, logs, metrics, sups, first };
}

const srv = broadcastServerName;

/** Log lines of `node` that report a contract violation of handler `handler`. */
function contractErrors(c: Supervised, node: string, handler: string): Entry[] {
  return c.logs[node]!.filter(
    (e) =>
      (e.level === 'error' || e.level === 'warn') &&
      e.fields.handler === handler &&
      e.fields.error instanceof HandlerContractError &&
      e.fields.error.handler === handler,
  );
}

/** Asks `ask` until its answer satisfies `ok` (bounded), and returns that answer. */
async function until<T>(ask: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await ask();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function expectNoRestart(c: Supervised): Promise<void> {
  for (const [node, sup] of Object.entries(c.sups)) {
    await whichChildren(sup);
    expect(whereis(srv(node))).toBe(c.first[node]);
  }
}

/** a pushes lazily to b; c is a member with no server, so nothing reaches b eagerly. */
const LAZY_AB = {
  members: ['a', 'b', 'c'],
  a: { eagers: ['c'], lazys: ['b'] },
  b: { eagers: ['c'], lazys: ['a'] },
};

describe('exchange answers outside the contract', () => {
  for (const [label, answer] of [
    ['returning undefined', () => undefined],
    ['resolving to undefined', async () => undefined],
    ['resolving to a number', async () => 42],
    ['returning an unknown string', () => 'started'],
  ] as const) {
    it(`an exchange ${label} is that handler's error on every tick, and nothing is tracked or restarted`, async () => {
      let calls = 0;
      const handler = setHandler('ex', {
        exchange: (() => {
          calls++;
          return answer();
        }) as never,
      });
      const c = await supervised(
        ['a', 'b'],
        { a: { handler } },
        { ...FAST, exchangeTickPeriod: 10 },
      );
      await eventually(() => contractErrors(c, 'a', 'ex').length >= 3, 10_000, 'three ticks');
      expect(calls).toBeGreaterThanOrEqual(3);
      expect(await exchanges(srv('a'))).toEqual([]);
      await expectNoRestart(c);
    });
  }
});

describe('graft answers outside the contract', () => {
  for (const [label, answer] of [
    ['returning undefined', () => undefined],
    ['resolving to undefined', async () => undefined],
    ['resolving to an object without ok or error', async () => ({ payload: 1 })],
  ] as const) {
    it(`a graft ${label} is that handler's error and sends nothing`, async () => {
      const a = setHandler('test', { graft: answer as never });
      const b = setHandler('test');
      const c = await supervised(LAZY_AB.members, {
        a: { handler: a, ...LAZY_AB.a },
        b: { handler: b, ...LAZY_AB.b },
      });
      broadcast(srv('a'), { id: 'lazy' }, 'test');
      await eventually(() => contractErrors(c, 'a', 'test').length >= 1, 10_000, 'graft error');
      expect(b.seen.has('lazy')).toBe(false);
      expect(c.net.sent.some((s) => s.from === 'a' && s.to === 'b' && s.type === 'broadcast')).toBe(
        false,
      );
      await expectNoRestart(c);
    });
  }
});

describe('broadcastData answers outside the contract', () => {
  const answers: Record<string, unknown> = {
    undefined: undefined,
    null: null,
    'a number': 7,
    'an object without an id': { payload: 'p' },
    'an object with an undefined id': { id: undefined, payload: 'p' },
    'a promise': Promise.resolve({ id: 'later', payload: 'p' }),
  };
  for (const [label, answer] of Object.entries(answers)) {
    it(`broadcastData answering ${label} cancels that broadcast and the next one goes out`, async () => {
      const bad: SetHandler = setHandler('test', {
        broadcastData: (m) => (m.id === 'bad' ? (answer as never) : { id: m.id, payload: m }),
      });
      const b = setHandler('test');
      const c = await supervised(['a', 'b'], { a: { handler: bad }, b: { handler: b } });
      broadcast(srv('a'), { id: 'bad' }, 'test');
      broadcast(srv('a'), { id: 'good' }, 'test');
      await eventually(() => b.seen.has('good'), 10_000, 'the good broadcast');
      expect(contractErrors(c, 'a', 'test')).toHaveLength(1);
      expect([...b.seen.keys()]).toEqual(['good']);
      await expectNoRestart(c);
    });
  }
});

describe('merge and isStale answers outside the contract', () => {
  for (const [label, answer] of [
    ['returning a string', () => 'yes'],
    ['returning undefined', () => undefined],
    ['resolving to 1', async () => 1],
  ] as const) {
    it(`merge ${label} counts as not new: not delivered, the sender is pruned`, async () => {
      const b = setHandler('test', { merge: answer as never });
      const c = await supervised(['a', 'b'], { a: { handler: setHandler() }, b: { handler: b } });
      broadcast(srv('a'), { id: 'x' }, 'test');
      const prunes = () =>
        c.metrics.a!.counter('plumtree_messages_received_total', '').get({ type: 'prune' });
      await eventually(() => prunes() === 1, 10_000, 'the prune');
      expect(contractErrors(c, 'b', 'test')).toHaveLength(1);
      expect(c.metrics.b!.counter('plumtree_delivered_total', '').get({ handler: 'test' })).toBe(0);
      await expectNoRestart(c);
    });
  }

  it('isStale answering a non-boolean counts as not stale: the message is grafted', async () => {
    const b = setHandler('test', { isStale: (() => 'maybe') as never });
    const c = await supervised(LAZY_AB.members, {
      a: { handler: setHandler(), ...LAZY_AB.a },
      b: { handler: b, ...LAZY_AB.b },
    });
    broadcast(srv('a'), { id: 'lazy' }, 'test');
    await eventually(() => b.seen.has('lazy'), 10_000, 'the grafted payload');
    expect(c.net.sent.some((s) => s.from === 'b' && s.type === 'graft')).toBe(true);
    expect(contractErrors(c, 'b', 'test').length).toBeGreaterThanOrEqual(1);
    await expectNoRestart(c);
  });
});

describe('peerInfo failures', () => {
  const throwing = () => {
    throw new Error('no channels yet');
  };

  it("a throwing peerInfo gives no information for the peer on getPeers(root, ['distance'])", async () => {
    const c = await supervised(['a', 'b', 'c'], {
      a: { handler: setHandler(), eagers: ['b'], lazys: ['c'], peerInfo: throwing },
    });
    const reply = await getPeers(srv('a'), 'a', ['distance']);
    expect(reply).toEqual({ eagers: ['b'], lazys: ['c'], info: { b: {}, c: {} } });
    expect(
      c.logs.a!.filter((e) => e.level === 'error' && e.fields.handler === 'peerInfo'),
    ).toHaveLength(2);
    await expectNoRestart(c);
  });

  it('a peerInfo answering a non-object gives no information for the peer', async () => {
    const c = await supervised(['a', 'b', 'c'], {
      a: { handler: setHandler(), eagers: ['b'], lazys: ['c'], peerInfo: (() => 'far') as never },
    });
    expect((await getPeers(srv('a'), 'a', ['nodeSpec'])).info).toEqual({ b: {}, c: {} });
    await expectNoRestart(c);
  });

  it('debugGetTree with a throwing peerInfo answers every row and leaves no rejection behind', async () => {
    const c = await supervised(['a', 'b'], {
      a: { handler: setHandler(), peerInfo: throwing },
      b: { handler: setHandler(), peerInfo: throwing },
    });
    const rows = await debugGetTree(srv('a'), 'a', ['a', 'b'], ['distance']);
    expect(rows.map((r) => [r.node, r.peers === 'down' ? 'down' : r.peers.info])).toEqual([
      ['a', { b: {} }],
      ['b', { a: {} }],
    ]);
    await expectNoRestart(c);
  });
});

describe('broadcastChannel failures', () => {
  for (const [label, fn] of [
    [
      'throwing',
      () => {
        throw new Error('x');
      },
    ],
    ['answering a number', () => 42],
    ['answering an empty string', () => ''],
  ] as const) {
    it(`broadcastChannel ${label} is that handler's error and uses the default channel`, async () => {
      const handler = { ...setHandler('odd'), broadcastChannel: fn } as BroadcastHandler;
      const c = await supervised(['a'], { a: { handler } });
      expect(await broadcastChannel(srv('a'), 'odd')).toBe('default');
      const errors = c.logs.a!.filter((e) => e.level === 'error' && e.fields.handler === 'odd');
      expect(errors).toHaveLength(1);
      await expectNoRestart(c);
    });
  }
});

describe('cancelling an exchange whose start is pending', () => {
  it("cancelExchanges('all') cancels it; the handle it answers later is cancelled at once and never tracked", async () => {
    const answer = deferred<unknown>();
    let started = 0;
    let cancelled = 0;
    const handler = setHandler('ex', {
      exchange: () => {
        started++;
        return started === 1 ? (answer.promise as never) : 'ignore';
      },
    });
    const c = await supervised(['a', 'b'], { a: { handler } }, { ...FAST, exchangeTickPeriod: 10 });
    await eventually(() => started >= 1, 10_000, 'the exchange start');
    expect(await exchanges(srv('a'))).toEqual([]);
    const gone = await cancelExchanges(srv('a'), 'all');
    expect(gone.map((e) => [e.handler, e.peer])).toEqual([['ex', 'b']]);
    answer.resolve({ ok: { done: new Promise(() => {}), cancel: () => void cancelled++ } });
    await eventually(() => cancelled === 1, 10_000, 'the late handle cancelled');
    // Later ticks start (and ignore) new exchanges: the cancelled start no longer holds the limit.
    await eventually(() => started >= 3, 10_000, 'later exchange ticks');
    expect(await exchanges(srv('a'))).toEqual([]);
    await expectNoRestart(c);
  });

  it('a selector that does not pick the pending start leaves it to run', async () => {
    const answer = deferred<unknown>();
    let started = 0;
    const handler = setHandler('ex', {
      exchange: () => {
        started++;
        return answer.promise as never;
      },
    });
    const c = await supervised(['a', 'b'], { a: { handler } }, { ...FAST, exchangeTickPeriod: 10 });
    await eventually(() => started >= 1, 10_000, 'the exchange start');
    expect(await cancelExchanges(srv('a'), { peer: 'nobody' })).toEqual([]);
    answer.resolve({ ok: { done: new Promise(() => {}) } });
    const list = await until(
      () => exchanges(srv('a')),
      (l) => l.length > 0,
    );
    expect(list.map((e) => [e.handler, e.peer])).toEqual([['ex', 'b']]);
    await expectNoRestart(c);
  });
});
