import { describe, expect, it } from 'vitest';
import {
  AsyncHandlerError,
  type BroadcastHandler,
  BroadcastMetrics,
  core,
  type EffectHost,
  EffectInterpreter,
  HandlerContractError,
  type InterpreterLog,
} from '../../src/broadcast/index.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { deferred, eventually } from '../support/actors.js';
import { setHandler } from '../support/memory-broadcast.js';

type Event = core.PlumtreeEvent;
type Effect = core.PlumtreeEffect;

interface FakeHost extends EffectHost {
  readonly stepped: Event[];
  readonly sends: { to: string; channel: string; msg: core.WireMessage }[];
  readonly armed: Map<string, number>;
  readonly later: Event[];
  readonly logs: InterpreterLog[];
  readonly registry: MetricsRegistry;
}

/** A host whose core answers each event with the effects `script` gives for it. */
function fakeHost(
  script: (e: Event) => Effect[],
  options: { acceptsPromises?: boolean; send?: EffectHost['send']; handlers?: string[] } = {},
): FakeHost {
  const registry = new MetricsRegistry();
  const host: FakeHost = {
    stepped: [],
    sends: [],
    armed: new Map(),
    later: [],
    logs: [],
    registry,
    step(event) {
      host.stepped.push(event);
      return script(event);
    },
    send: options.send ?? ((to, channel, msg) => void host.sends.push({ to, channel, msg })),
    timerId: (key) => `id:${core.timerId(key)}`,
    setTimer: (id, delayMs) => void host.armed.set(id, delayMs),
    cancelTimer: (id) => void host.armed.delete(id),
    deliverLater: (event) => void host.later.push(event),
    acceptsPromises: options.acceptsPromises ?? true,
    log: (entry) => void host.logs.push(entry),
    metrics: new BroadcastMetrics(registry, options.handlers ?? ['test']),
  };
  return host;
}

const once =
  (first: Effect[]) =>
  (e: Event): Effect[] =>
    e.type === 'peerUp' ? first : [];

function withChannel(name: string, channel: string): BroadcastHandler {
  return { ...setHandler(name), broadcastChannel: () => channel } as BroadcastHandler;
}

const entry = (handler: string, id: string) => ({ handler, id, round: 0, root: 'a' });
const mergeToken: core.MergeToken = {
  type: 'broadcast',
  id: 'x',
  payload: { id: 'x' },
  handler: 'test',
  round: 0,
  root: 'a',
  from: 'b',
};

describe('effect interpreter: sends', () => {
  it('splits an i_have mixing handlers of different channels into one message per channel', () => {
    const host = fakeHost(
      once([
        {
          type: 'send',
          to: 'b',
          msg: {
            type: 'i_have',
            from: 'a',
            entries: [entry('m', '1'), entry('g', '2'), entry('m', '3')],
          },
        },
      ]),
      { handlers: ['m', 'g'] },
    );
    new EffectInterpreter(host, [withChannel('m', 'membership'), withChannel('g', 'gossip')]).run({
      type: 'peerUp',
      peer: 'z',
    });
    expect(
      host.sends.map((s) => [
        s.channel,
        s.msg.type === 'i_have' ? s.msg.entries.map((e) => e.id) : [],
      ]),
    ).toEqual([
      ['membership', ['1', '3']],
      ['gossip', ['2']],
    ]);
    expect(host.registry.counter('plumtree_messages_sent_total', '').get({ type: 'i_have' })).toBe(
      2,
    );
  });

  it('a send the transport throws on is counted as send_failed and the loop goes on', () => {
    const host = fakeHost(
      once([
        { type: 'send', to: 'b', msg: { type: 'prune', root: 'a', from: 'a' } as core.WireMessage },
        { type: 'setTimer', key: { type: 'graft', key: 'k' }, delayMs: 5 },
      ]),
      {
        send: () => {
          throw new Error('queue full');
        },
      },
    );
    new EffectInterpreter(host, [setHandler()]).run({ type: 'peerUp', peer: 'z' });
    expect(
      host.registry.counter('plumtree_broadcast_dropped_total', '').get({ reason: 'send_failed' }),
    ).toBe(1);
    expect(host.armed.get('id:graft:k')).toBe(5);
  });
});

describe('effect interpreter: timers', () => {
  it('arms timers under the host id and feeds the key back when it fires', () => {
    const host = fakeHost(
      once([{ type: 'setTimer', key: { type: 'graft', key: 'x' }, delayMs: 40 }]),
    );
    const it = new EffectInterpreter(host, [setHandler()]);
    it.run({ type: 'peerUp', peer: 'z' });
    expect([...host.armed]).toEqual([['id:graft:x', 40]]);
    it.timerFired('id:graft:x');
    expect(host.stepped.at(-1)).toEqual({ type: 'timer', key: { type: 'graft', key: 'x' } });
  });

  it('a cancelled timer that fires anyway feeds nothing', () => {
    const host = fakeHost((e) =>
      e.type === 'peerUp'
        ? [
            { type: 'setTimer', key: { type: 'graft', key: 'k' }, delayMs: 1 },
            { type: 'cancelTimer', key: { type: 'graft', key: 'k' } },
          ]
        : [],
    );
    const it = new EffectInterpreter(host, [setHandler()]);
    it.run({ type: 'peerUp', peer: 'z' });
    it.timerFired('id:graft:k');
    expect(host.stepped).toEqual([{ type: 'peerUp', peer: 'z' }]);
    expect(host.armed.size).toBe(0);
  });
});

describe('effect interpreter: handler calls', () => {
  it('feeds sync answers back into the same step loop, in order', () => {
    const host = fakeHost(
      once([
        { type: 'merge', handler: 'test', id: 'x', payload: { id: 'x' }, token: mergeToken },
        {
          type: 'isStale',
          handler: 'test',
          id: 'x',
          token: { purpose: 'graftTimer', key: 'k' },
        },
      ]),
    );
    new EffectInterpreter(host, [setHandler()]).run({ type: 'peerUp', peer: 'z' });
    expect(host.stepped.map((e) => e.type)).toEqual(['peerUp', 'mergeResult', 'isStaleResult']);
    expect(host.stepped[1]).toMatchObject({ isNew: true });
    expect(host.stepped[2]).toMatchObject({ stale: true });
  });

  it('carries effects a host stepped itself and steps the answers they produce', () => {
    const host = fakeHost(() => []);
    new EffectInterpreter(host, [setHandler()]).carry([
      { type: 'merge', handler: 'test', id: 'x', payload: { id: 'x' }, token: mergeToken },
    ]);
    expect(host.stepped).toEqual([{ type: 'mergeResult', token: mergeToken, isNew: true }]);
  });

  it('delivers an async answer later through the host', async () => {
    const answer = deferred<boolean>();
    const host = fakeHost(
      once([{ type: 'merge', handler: 'test', id: 'x', payload: {}, token: mergeToken }]),
    );
    const h = setHandler('test', { merge: () => answer.promise });
    new EffectInterpreter(host, [h]).run({ type: 'peerUp', peer: 'z' });
    expect(host.stepped).toHaveLength(1);
    answer.resolve(false);
    await eventually(() => host.later.length === 1);
    expect(host.later[0]).toEqual({ type: 'mergeResult', token: mergeToken, isNew: false });
  });

  it('an async answer outside the contract is delivered as that handler failing', async () => {
    const host = fakeHost(
      once([{ type: 'merge', handler: 'test', id: 'x', payload: {}, token: mergeToken }]),
    );
    const h = setHandler('test', { merge: (async () => 'yes') as never });
    new EffectInterpreter(host, [h]).run({ type: 'peerUp', peer: 'z' });
    await eventually(() => host.later.length === 1);
    const failed = host.later[0] as core.MergeFailedEvent;
    expect(failed.type).toBe('mergeFailed');
    expect(failed.error).toBeInstanceOf(HandlerContractError);
  });

  it('a host that cannot wait refuses a promise answer with AsyncHandlerError', () => {
    const host = fakeHost(
      once([{ type: 'merge', handler: 'test', id: 'x', payload: {}, token: mergeToken }]),
      { acceptsPromises: false },
    );
    const h = setHandler('test', { merge: async () => true });
    const it = new EffectInterpreter(host, [h]);
    expect(() => it.run({ type: 'peerUp', peer: 'z' })).toThrow(AsyncHandlerError);
    // The loop is left clean: the next event runs normally.
    it.run({ type: 'peerDown', peer: 'z' });
    expect(host.stepped.at(-1)).toEqual({ type: 'peerDown', peer: 'z' });
  });

  it('a call for a handler that is not registered is fed back as that call failing', () => {
    const host = fakeHost(
      once([
        {
          type: 'graft',
          handler: 'ghost',
          id: 'x',
          token: { entry: entry('ghost', 'x'), from: 'b' },
        },
      ]),
    );
    new EffectInterpreter(host, [setHandler()]).run({ type: 'peerUp', peer: 'z' });
    expect(host.stepped[1]).toMatchObject({
      type: 'graftResult',
      result: { error: { handler: 'ghost' } },
    });
  });
});

describe('effect interpreter: exchanges', () => {
  const start: Effect = {
    type: 'exchangeStart',
    handler: 'test',
    peer: 'b',
    token: { ref: 'a#0', handler: 'test', peer: 'b' },
  };

  it("watches a handle's done promise and reports the end later", async () => {
    const done = deferred();
    const host = fakeHost((e) => (e.type === 'peerDown' ? [start] : []));
    const h = setHandler('test', { exchange: () => ({ ok: { done: done.promise } }) });
    new EffectInterpreter(host, [h]).run({ type: 'peerDown', peer: 'z' });
    expect(host.stepped[1]).toMatchObject({ type: 'exchangeResult' });
    expect(host.later).toEqual([]);
    done.resolve();
    await eventually(() => host.later.length === 1);
    expect(host.later[0]).toEqual({ type: 'exchangeEnded', ref: 'a#0' });
  });

  it('a handle that cannot be watched is ended at once, with a warning naming the handler', () => {
    const host = fakeHost((e) => (e.type === 'peerDown' ? [start] : []));
    const h = setHandler('test', { exchange: () => ({ ok: 42 }) });
    new EffectInterpreter(host, [h]).run({ type: 'peerDown', peer: 'z' });
    expect(host.later).toEqual([{ type: 'exchangeEnded', ref: 'a#0' }]);
    expect(host.logs).toEqual([expect.objectContaining({ level: 'warn', handler: 'test' })]);
  });

  it('a pending start that is cancelled has its late handle cancelled and not fed to the core', async () => {
    const answer = deferred<unknown>();
    let cancelled = 0;
    const host = fakeHost((e) => (e.type === 'peerDown' ? [start] : []));
    const h = setHandler('test', { exchange: () => answer.promise as never });
    const it = new EffectInterpreter(host, [h]);
    it.run({ type: 'peerDown', peer: 'z' });
    expect(it.cancelPendingExchanges({ handler: 'test' })).toEqual([
      { ref: 'a#0', handler: 'test', peer: 'b' },
    ]);
    expect(host.stepped.at(-1)).toEqual({ type: 'exchangeEnded', ref: 'a#0' });
    answer.resolve({ ok: { cancel: () => void cancelled++ } });
    await eventually(() => host.later.length === 1);
    const before = host.stepped.length;
    it.run(host.later[0] as Event);
    expect(cancelled).toBe(1);
    expect(host.stepped).toHaveLength(before);
  });

  it('a cancelExchange effect calls the handle cancel; a throwing cancel is logged', () => {
    const host = fakeHost(
      once([
        {
          type: 'cancelExchange',
          exchange: {
            ref: 'a#1',
            handler: 'test',
            peer: 'b',
            handle: {
              cancel: () => {
                throw new Error('already gone');
              },
            },
          },
        },
      ]),
    );
    new EffectInterpreter(host, [setHandler()]).run({ type: 'peerUp', peer: 'z' });
    expect(host.logs).toEqual([expect.objectContaining({ level: 'error', handler: 'test' })]);
  });
});

describe('effect interpreter: metrics and logs', () => {
  it('records metric effects and passes log effects on with their handler', () => {
    const host = fakeHost(
      once([
        { type: 'metric', metric: { kind: 'treeOptimized', root: 'a', grafted: 'b', pruned: 'c' } },
        { type: 'metric', metric: { kind: 'missingEvicted', handler: 'test' } },
        { type: 'log', level: 'warn', message: 'hm', handler: 'test' },
      ]),
    );
    new EffectInterpreter(host, [setHandler()]).run({ type: 'peerUp', peer: 'z' });
    expect(host.registry.counter('plumtree_tree_optimized_total', '').get()).toBe(1);
    expect(host.registry.counter('plumtree_missing_evicted_total', '').get()).toBe(1);
    expect(host.logs).toEqual([{ level: 'warn', message: 'hm', handler: 'test' }]);
  });
});
