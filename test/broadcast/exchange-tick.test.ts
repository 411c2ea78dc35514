import { describe, expect, it } from 'vitest';
import {
  cancelExchanges,
  type ExchangeOutcome,
  listExchanges,
  type PlumtreeState,
  step,
} from '../../src/broadcast/core/index.js';
import { makeState, ofType } from './helpers.js';

function tick(s: PlumtreeState) {
  return ofType(step(s, { type: 'timer', key: { type: 'exchangeTick' } }, 0), 'exchangeStart');
}

function answer(s: PlumtreeState, start: ReturnType<typeof tick>[number], result: ExchangeOutcome) {
  return step(s, { type: 'exchangeResult', token: start.token, result }, 0);
}

describe('exchange tick', () => {
  it('starts nothing without handlers', () => {
    expect(tick(makeState({ handlers: [] }))).toEqual([]);
  });

  it('starts nothing when no other member is connected', () => {
    const s = makeState({ members: ['a', 'b'], eagers: ['b'], lazys: [] });
    step(s, { type: 'peerDown', peer: 'b' }, 0);
    expect(tick(s)).toEqual([]);
  });

  it('prefers connected members in neither the eager nor the lazy set', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = makeState({ seed, eagers: ['b', 'c'], lazys: ['d'] });
      expect(tick(s).map((x) => x.peer)).toEqual(['e']);
    }
  });

  it('falls back to any connected member when every member is in a set', () => {
    const peers = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const s = makeState({ seed, members: ['a', 'b', 'c'], eagers: ['b'], lazys: ['c'] });
      for (const x of tick(s)) peers.add(x.peer);
    }
    expect([...peers].sort()).toEqual(['b', 'c']);
  });

  it('normal selection picks any connected member', () => {
    const peers = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const s = makeState({ seed, options: { exchangeSelection: 'normal' } });
      for (const x of tick(s)) peers.add(x.peer);
    }
    expect([...peers].sort()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('never picks a member that is down', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = makeState({ seed });
      step(s, { type: 'peerDown', peer: 'e' }, 0);
      expect(tick(s).map((x) => x.peer)).not.toContain('e');
    }
  });

  it('respects startExchangeLimit, counting exchanges still waiting for an answer', () => {
    const s = makeState({ handlers: ['h1', 'h2'] });
    expect(tick(s)).toHaveLength(1);
    expect(tick(s)).toEqual([]);
  });

  it('goes round-robin over the handlers', () => {
    const s = makeState({ handlers: ['h1', 'h2', 'h3'] });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [start] = tick(s);
      if (start === undefined) throw new Error('no exchange started');
      order.push(start.handler);
      answer(s, start, 'ok');
    }
    expect(order).toEqual(['h1', 'h2', 'h3', 'h1']);
  });

  it('skips a handler that already has a running exchange', () => {
    const s = makeState({ handlers: ['h1', 'h2'], options: { startExchangeLimit: 3 } });
    const first = tick(s);
    expect(first.map((x) => x.handler)).toEqual(['h1', 'h2']);
    for (const x of first) answer(s, x, { ok: `handle-${x.handler}` });
    expect(tick(s)).toEqual([]);
  });

  it('tracks an {ok, handle} answer until the exchange ends', () => {
    const s = makeState();
    const [start] = tick(s);
    if (start === undefined) throw new Error('no exchange started');
    answer(s, start, { ok: 'pid' });
    expect(listExchanges(s)).toEqual([
      { handler: start.handler, peer: start.peer, ref: start.token.ref, handle: 'pid' },
    ]);
    step(s, { type: 'exchangeEnded', ref: start.token.ref }, 0);
    expect(listExchanges(s)).toEqual([]);
    expect(tick(s)).toHaveLength(1);
  });

  it.each(['ok', 'ignore'] as const)('does not track a %s answer', (result) => {
    const s = makeState();
    const [start] = tick(s);
    if (start === undefined) throw new Error('no exchange started');
    expect(answer(s, start, result)).toEqual([]);
    expect(listExchanges(s)).toEqual([]);
    expect(tick(s)).toHaveLength(1);
  });

  it('logs an {error} answer and tracks nothing', () => {
    const s = makeState();
    const [start] = tick(s);
    if (start === undefined) throw new Error('no exchange started');
    expect(ofType(answer(s, start, { error: 'busy' }), 'log')).toHaveLength(1);
    expect(listExchanges(s)).toEqual([]);
  });
});

describe('cancelExchanges', () => {
  function running(): PlumtreeState {
    const s = makeState({ handlers: ['h1', 'h2'], options: { startExchangeLimit: 2 } });
    for (const x of tick(s)) answer(s, x, { ok: `pid-${x.handler}` });
    return s;
  }

  it('cancels all and returns a cancel effect for each', () => {
    const s = running();
    const { cancelled, effects } = cancelExchanges(s, 'all');
    expect(cancelled.map((x) => x.handler)).toEqual(['h1', 'h2']);
    expect(effects.map((e) => e.exchange.handle)).toEqual(['pid-h1', 'pid-h2']);
    expect(listExchanges(s)).toEqual([]);
  });

  it('cancels by handler', () => {
    const s = running();
    expect(cancelExchanges(s, { handler: 'h2' }).cancelled.map((x) => x.handler)).toEqual(['h2']);
    expect(listExchanges(s).map((x) => x.handler)).toEqual(['h1']);
  });

  it('cancels by peer', () => {
    const s = running();
    const peer = listExchanges(s)[0]?.peer as string;
    const { cancelled } = cancelExchanges(s, { peer });
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((x) => x.peer === peer)).toBe(true);
  });

  it('cancels by ref and by handle', () => {
    const s = running();
    const [x1, x2] = listExchanges(s);
    expect(cancelExchanges(s, x1?.ref as string).cancelled).toEqual([x1]);
    expect(cancelExchanges(s, { handle: x2?.handle }).cancelled).toEqual([x2]);
  });

  it('does not resurrect an exchange cancelled before its answer came', () => {
    const s = makeState();
    const [start] = tick(s);
    if (start === undefined) throw new Error('no exchange started');
    step(s, { type: 'exchangeEnded', ref: start.token.ref }, 0);
    answer(s, start, { ok: 'late' });
    expect(listExchanges(s)).toEqual([]);
  });
});
