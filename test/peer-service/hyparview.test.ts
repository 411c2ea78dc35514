import { describe, expect, it } from 'vitest';
import {
  createHyParView,
  type HyParViewEffect,
  type HyParViewEvent,
  type HyParViewMessage,
  type HyParViewState,
  hyParViewOptions,
  InvalidOptionsError,
  JoinSelfError,
  type PeerRef,
  stepHyParView,
} from '../../src/peer-service/core/index.js';
import { type Rng, seededRng } from '../../src/util/rng.js';

const p = (name: string): PeerRef => ({ name });
const me = p('me');

function node(active: string[] = [], passive: string[] = []): HyParViewState {
  const state = createHyParView(me);
  for (const name of active) state.active.set(name, p(name));
  for (const name of passive) state.passive.set(name, p(name));
  return state;
}

function step(state: HyParViewState, event: HyParViewEvent, rng: Rng = seededRng(1)) {
  return stepHyParView(state, event, { rng });
}

function receive(state: HyParViewState, from: string, msg: HyParViewMessage, rng?: Rng) {
  return step(state, { type: 'receive', from, msg }, rng);
}

function sends(effects: HyParViewEffect[]) {
  return effects.flatMap((e) => (e.type === 'send' ? [{ to: e.to.name, msg: e.msg }] : []));
}

const names = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('hyparview: join', () => {
  it('a joiner adds its contact, connects and sends join', () => {
    const state = node();
    const effects = step(state, { type: 'join', contact: p('c') });
    expect(effects).toEqual([
      { type: 'connect', peer: p('c') },
      { type: 'send', to: p('c'), msg: { type: 'join', peer: me } },
      { type: 'activeViewChanged', active: ['c'] },
    ]);
    expect(() => step(state, { type: 'join', contact: me })).toThrow(JoinSelfError);
  });

  it('the contact adds the joiner and starts a forward-join walk from every other active peer', () => {
    const state = node(['a', 'b']);
    const out = sends(receive(state, 'j', { type: 'join', peer: p('j') }));
    expect(state.active.has('j')).toBe(true);
    expect(out).toEqual([
      { to: 'a', msg: { type: 'forwardJoin', peer: p('j'), ttl: 6 } },
      { to: 'b', msg: { type: 'forwardJoin', peer: p('j'), ttl: 6 } },
    ]);
  });

  it('a full contact drops a random active peer, telling it and keeping it as passive', () => {
    const state = node(names(5));
    const effects = receive(state, 'j', { type: 'join', peer: p('j') });
    expect(state.active.size).toBe(5);
    const dropped = sends(effects).find((s) => s.msg.type === 'disconnect');
    expect(dropped?.msg).toEqual({ type: 'disconnect', peer: me });
    expect(state.passive.has(dropped?.to as string)).toBe(true);
    expect(effects).toContainEqual({ type: 'disconnect', peer: dropped?.to });
  });

  it('ignores a join whose descriptor names someone other than the sender', () => {
    const state = node(['a']);
    expect(receive(state, 'x', { type: 'join', peer: p('y') })).toEqual([]);
  });
});

describe('hyparview: forwardJoin', () => {
  it('ends the walk at ttl 0 by asking the joiner to be a neighbour', () => {
    const state = node(['a', 'b']);
    const out = sends(receive(state, 'a', { type: 'forwardJoin', peer: p('j'), ttl: 0 }));
    expect(out).toEqual([{ to: 'j', msg: { type: 'neighbor', peer: me, priority: 'low' } }]);
    expect(state.pending.has('j')).toBe(true);
    expect(state.active.has('j')).toBe(false);
  });

  it('ends the walk when the sender is our only active peer', () => {
    const state = node(['a']);
    const out = sends(receive(state, 'a', { type: 'forwardJoin', peer: p('j'), ttl: 4 }));
    expect(out.map((s) => [s.to, s.msg.type])).toEqual([['j', 'neighbor']]);
  });

  it('at ttl = PRWL keeps the joiner as passive and forwards to another peer with ttl - 1', () => {
    const state = node(['a', 'b', 'c']);
    const out = sends(receive(state, 'a', { type: 'forwardJoin', peer: p('j'), ttl: 6 }));
    expect(state.passive.has('j')).toBe(true);
    expect(out).toHaveLength(1);
    expect(['b', 'c']).toContain(out[0]?.to);
    expect(out[0]?.msg).toEqual({ type: 'forwardJoin', peer: p('j'), ttl: 5 });
  });

  it('below PRWL forwards without keeping the joiner, never back to the sender', () => {
    for (let seed = 0; seed < 20; seed++) {
      const state = node(['a', 'b']);
      const out = sends(
        receive(state, 'a', { type: 'forwardJoin', peer: p('k'), ttl: 3 }, seededRng(seed)),
      );
      expect(state.passive.has('k')).toBe(false);
      expect(out).toEqual([{ to: 'b', msg: { type: 'forwardJoin', peer: p('k'), ttl: 2 } }]);
    }
  });

  it('passes on a walk whose joiner is already active here, rather than ending it early', () => {
    for (let seed = 0; seed < 20; seed++) {
      const state = node(['a', 'b', 'k']);
      const out = sends(
        receive(state, 'a', { type: 'forwardJoin', peer: p('k'), ttl: 3 }, seededRng(seed)),
      );
      expect(out).toEqual([{ to: 'b', msg: { type: 'forwardJoin', peer: p('k'), ttl: 2 } }]);
    }
  });

  it('ends a walk at a node already linked to the joiner without asking it again', () => {
    const state = node(['a', 'b', 'k']);
    expect(receive(state, 'a', { type: 'forwardJoin', peer: p('k'), ttl: 0 })).toEqual([]);
    expect(state.pending.size).toBe(0);
  });
});

describe('hyparview: neighbor', () => {
  it('accepts a low-priority request when there is room', () => {
    const state = node(['a']);
    const out = sends(receive(state, 'n', { type: 'neighbor', peer: p('n'), priority: 'low' }));
    expect(state.active.has('n')).toBe(true);
    expect(out).toEqual([{ to: 'n', msg: { type: 'neighborAccepted', peer: me } }]);
  });

  it('rejects a low-priority request when full, with a well-formed reply', () => {
    const state = node(names(5));
    const out = sends(receive(state, 'n', { type: 'neighbor', peer: p('n'), priority: 'low' }));
    expect(state.active.has('n')).toBe(false);
    expect(state.passive.has('n')).toBe(true);
    expect(out).toEqual([{ to: 'n', msg: { type: 'neighborRejected', peer: me } }]);
  });

  it('always accepts a high-priority request, dropping a random peer when full', () => {
    const state = node(names(5));
    const out = sends(receive(state, 'n', { type: 'neighbor', peer: p('n'), priority: 'high' }));
    expect(state.active.has('n')).toBe(true);
    expect(state.active.size).toBe(5);
    expect(out.map((s) => s.msg.type).sort()).toEqual(['disconnect', 'neighborAccepted']);
  });

  it('on acceptance adds the peer it asked', () => {
    const state = node(['a'], ['n']);
    state.pending.set('n', 0);
    const effects = receive(state, 'n', { type: 'neighborAccepted', peer: p('n') });
    expect(state.active.has('n')).toBe(true);
    expect(state.passive.has('n')).toBe(false);
    expect(state.pending.size).toBe(0);
    expect(effects).toContainEqual({ type: 'connect', peer: p('n') });
  });

  it('undoes an unexpected acceptance when full, keeping views symmetric', () => {
    const state = node(names(5));
    const out = sends(receive(state, 'n', { type: 'neighborAccepted', peer: p('n') }));
    expect(state.active.has('n')).toBe(false);
    expect(out).toEqual([{ to: 'n', msg: { type: 'disconnect', peer: me } }]);
  });

  it('after a rejection keeps the peer as passive and asks another one while below the minimum', () => {
    const state = node(['a'], ['n', 'm']);
    state.pending.set('n', 0);
    const out = sends(receive(state, 'n', { type: 'neighborRejected', peer: p('n') }));
    expect(state.passive.has('n')).toBe(true);
    expect(state.rejected.has('n')).toBe(true);
    expect(out).toEqual([{ to: 'm', msg: { type: 'neighbor', peer: me, priority: 'low' } }]);
  });

  it('below the minimum, when every known peer has refused, insists with high priority at the next promotion round', () => {
    const state = node(['a'], ['n', 'm']);
    state.pending.set('n', 0);
    state.rejected.set('m', state.round);
    expect(sends(receive(state, 'n', { type: 'neighborRejected', peer: p('n') }))).toEqual([]);
    const out = sends(step(state, { type: 'timer', key: { type: 'promotion' } })).filter(
      (s) => s.msg.type === 'neighbor',
    );
    expect(out).toHaveLength(1);
    expect(['n', 'm']).toContain(out[0]?.to);
    expect(out[0]?.msg).toEqual({ type: 'neighbor', peer: me, priority: 'high' });
  });

  // Found by the whole-stack simulator (dst random/hyparview seed 402): answering each
  // refusal with a high-priority request looped at message speed with a peer that
  // refuses everything, and simulated time stood still.
  it('does not answer a refusal by asking the same refused peer again', () => {
    const state = node(['a'], ['n']);
    state.pending.set('n', 0);
    expect(sends(receive(state, 'n', { type: 'neighborRejected', peer: p('n') }))).toEqual([]);
  });

  it('at the minimum, does not insist on peers that refused', () => {
    const state = node(['a', 'b'], ['n']);
    state.pending.set('n', 0);
    expect(sends(receive(state, 'n', { type: 'neighborRejected', peer: p('n') }))).toEqual([]);
    expect(state.pending.size).toBe(0);
  });
});

describe('hyparview: disconnect and failures', () => {
  it('a disconnect moves the peer to passive and refills the slot from passive', () => {
    const state = node(['a', 'b'], ['q']);
    const effects = receive(state, 'a', { type: 'disconnect', peer: p('a') });
    expect(state.active.has('a')).toBe(false);
    expect(state.passive.has('a')).toBe(true);
    expect(effects).toContainEqual({ type: 'disconnect', peer: 'a' });
    const asked = sends(effects).find((s) => s.msg.type === 'neighbor');
    expect(['a', 'q']).toContain(asked?.to);
  });

  it('a failed active peer is forgotten and replaced, with high priority when none is left', () => {
    const state = node(['a'], ['q']);
    const effects = step(state, { type: 'peerDown', peer: 'a' });
    expect(state.active.size).toBe(0);
    expect(state.passive.has('a')).toBe(false);
    expect(sends(effects)).toEqual([
      { to: 'q', msg: { type: 'neighbor', peer: me, priority: 'high' } },
    ]);
    expect(effects).toContainEqual({ type: 'activeViewChanged', active: [] });
  });

  it('a failed active peer is replaced with low priority while others remain', () => {
    const state = node(['a', 'b'], ['q']);
    const out = sends(step(state, { type: 'peerDown', peer: 'a' }));
    expect(out).toEqual([{ to: 'q', msg: { type: 'neighbor', peer: me, priority: 'low' } }]);
  });

  it('a failed request is dropped and another candidate asked', () => {
    const state = node([], ['q', 'r']);
    state.pending.set('q', 0);
    const out = sends(step(state, { type: 'peerDown', peer: 'q' }));
    expect(state.passive.has('q')).toBe(false);
    expect(out).toEqual([{ to: 'r', msg: { type: 'neighbor', peer: me, priority: 'high' } }]);
  });

  it('arms the rejoin timer when its last peer goes down', () => {
    const state = node(['a']);
    expect(step(state, { type: 'peerDown', peer: 'a' })).toContainEqual(
      expect.objectContaining({ type: 'setTimer', key: { type: 'rejoin' } }),
    );
  });
});

describe('hyparview: promotion', () => {
  it('promotes a passive peer when below the minimum', () => {
    const state = node(['a'], ['q']);
    const out = sends(step(state, { type: 'timer', key: { type: 'promotion' } }));
    expect(out).toEqual([{ to: 'q', msg: { type: 'neighbor', peer: me, priority: 'low' } }]);
  });

  it('keeps refilling above the minimum while below the maximum', () => {
    const state = node(['a', 'b'], ['q']);
    const out = sends(step(state, { type: 'timer', key: { type: 'promotion' } }));
    expect(out).toEqual([{ to: 'q', msg: { type: 'neighbor', peer: me, priority: 'low' } }]);
  });

  it('asks nobody when the active view is full', () => {
    const state = node(names(5, 'a'), ['q']);
    expect(sends(step(state, { type: 'timer', key: { type: 'promotion' } }))).toEqual([]);
  });

  it('gives up on a request unanswered for a whole interval', () => {
    const state = node(['a', 'b'], ['q']);
    state.pending.set('q', state.round);
    step(state, { type: 'timer', key: { type: 'promotion' } });
    expect(state.pending.has('q')).toBe(true);
    step(state, { type: 'timer', key: { type: 'promotion' } });
    expect(state.pending.has('q')).toBe(false);
    expect(state.passive.has('q')).toBe(false);
  });
});

describe('hyparview: shuffle', () => {
  it('sends itself, a sample of active and passive peers to a random active peer', () => {
    const state = node(names(5, 'a'), names(10, 'q'));
    const [sent] = sends(step(state, { type: 'timer', key: { type: 'shuffle' } }));
    expect(sent?.msg.type).toBe('shuffle');
    if (sent?.msg.type !== 'shuffle') return;
    expect(sent.msg.origin).toEqual(me);
    expect(sent.msg.ttl).toBe(6);
    expect(sent.msg.entries[0]).toEqual(me);
    const rest = sent.msg.entries.slice(1).map((e) => e.name);
    expect(rest.filter((n) => n.startsWith('a'))).toHaveLength(3);
    expect(rest.filter((n) => n.startsWith('q'))).toHaveLength(4);
    expect(rest).not.toContain(sent.to);
  });

  it('forwards while ttl allows, never back to the sender', () => {
    const state = node(['s', 'b']);
    const msg: HyParViewMessage = {
      type: 'shuffle',
      origin: p('o'),
      ttl: 3,
      id: 7,
      entries: [p('o')],
    };
    const out = sends(receive(state, 's', msg));
    expect(out).toEqual([{ to: 'b', msg: { ...msg, ttl: 2 } }]);
  });

  it('at the end of the walk replies to the originator, not to the previous hop', () => {
    const state = node(['s'], names(10, 'q'));
    const msg: HyParViewMessage = {
      type: 'shuffle',
      origin: p('o'),
      ttl: 1,
      id: 7,
      entries: [p('o'), p('x')],
    };
    const out = sends(receive(state, 's', msg));
    expect(out).toHaveLength(1);
    expect(out[0]?.to).toBe('o');
    expect(out[0]?.msg.type).toBe('shuffleReply');
    expect(state.passive.has('o') && state.passive.has('x')).toBe(true);
  });

  it('replies with a random sample of the passive view, not its first entries', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const state = node(['s'], names(10, 'q'));
      const msg: HyParViewMessage = {
        type: 'shuffle',
        origin: p('o'),
        ttl: 0,
        id: 1,
        entries: [p('o'), p('x')],
      };
      const [reply] = sends(receive(state, 's', msg, seededRng(seed)));
      if (reply?.msg.type !== 'shuffleReply') throw new Error('expected a reply');
      expect(reply.msg.entries).toHaveLength(2);
      for (const e of reply.msg.entries) seen.add(e.name);
    }
    expect(seen.size).toBeGreaterThan(6);
  });

  it('integrates a reply, evicting first the entries it had sent', () => {
    const state = createHyParView(me, { passiveMaxSize: 4 });
    state.active.set('a', p('a'));
    for (const n of ['q0', 'q1', 'q2', 'q3']) state.passive.set(n, p(n));
    const [sent] = sends(step(state, { type: 'timer', key: { type: 'shuffle' } }));
    if (sent?.msg.type !== 'shuffle') throw new Error('expected a shuffle');
    const shipped = sent.msg.entries.slice(1).map((e) => e.name);
    receive(state, 'z', {
      type: 'shuffleReply',
      peer: p('z'),
      id: sent.msg.id,
      entries: [p('r0'), p('r1')],
    });
    expect(state.passive.size).toBe(4);
    expect(state.passive.has('r0') && state.passive.has('r1')).toBe(true);
    const evicted = ['q0', 'q1', 'q2', 'q3'].filter((n) => !state.passive.has(n));
    for (const n of evicted) expect(shipped).toContain(n);
  });

  it('never lists itself or active peers as passive', () => {
    const state = node(['a']);
    receive(state, 'z', {
      type: 'shuffleReply',
      peer: p('z'),
      id: 99,
      entries: [me, p('a'), p('b')],
    });
    expect([...state.passive.keys()]).toEqual(['b']);
  });
});

describe('hyparview: options', () => {
  it('has Partisan defaults in peer counts and validates overrides', () => {
    const o = hyParViewOptions();
    expect([o.activeMaxSize, o.activeMinSize, o.passiveMaxSize, o.arwl, o.prwl]).toEqual([
      5, 2, 30, 6, 6,
    ]);
    expect([
      o.shuffleActiveCount,
      o.shufflePassiveCount,
      o.shuffleInterval,
      o.promotionInterval,
    ]).toEqual([3, 4, 10_000, 5_000]);
    expect(() => hyParViewOptions({ activeMinSize: 9 })).toThrow(InvalidOptionsError);
    expect(() => hyParViewOptions({ activeMaxSize: 0, activeMinSize: 0 })).toThrow(
      InvalidOptionsError,
    );
    expect(() => hyParViewOptions({ arwl: 1.5 })).toThrow(InvalidOptionsError);
  });
});

describe('hyparview: leave', () => {
  it('tells every active peer, empties both views, and does not report isolation', () => {
    const state = node(['a', 'b'], ['c']);
    state.pending.set('d', 0);
    const effects = step(state, { type: 'leave' });
    expect(sends(effects).sort((x, y) => x.to.localeCompare(y.to))).toEqual([
      { to: 'a', msg: { type: 'disconnect', peer: me } },
      { to: 'b', msg: { type: 'disconnect', peer: me } },
    ]);
    expect(
      effects
        .filter((e) => e.type === 'disconnect')
        .map((e) => (e as { peer: string }).peer)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(effects).toContainEqual({ type: 'activeViewChanged', active: [] });
    expect(effects.some((e) => e.type === 'setTimer')).toBe(false);
    expect([state.active.size, state.passive.size, state.pending.size]).toEqual([0, 0, 0]);
  });

  it('a node that left refuses to be pulled back in until it joins again', () => {
    const state = node(['a']);
    step(state, { type: 'leave' });
    const refused = receive(state, 'a', { type: 'neighbor', peer: p('a'), priority: 'high' });
    expect(sends(refused)).toEqual([{ to: 'a', msg: { type: 'neighborRejected', peer: me } }]);
    expect(state.active.size).toBe(0);
    step(state, { type: 'join', contact: p('a') });
    expect([...state.active.keys()]).toEqual(['a']);
  });
});

describe('hyparview: core-owned timers', () => {
  it('start arms the shuffle and promotion timers within one interval', () => {
    const state = createHyParView(me);
    const timers = step(state, { type: 'start' }).filter((e) => e.type === 'setTimer');
    expect(timers.map((t) => t.key)).toEqual([{ type: 'shuffle' }, { type: 'promotion' }]);
    const [shuffle, promotion] = timers as { delayMs: number }[];
    expect(shuffle!.delayMs).toBeLessThanOrEqual(state.options.shuffleInterval);
    expect(promotion!.delayMs).toBeLessThanOrEqual(state.options.promotionInterval);
  });

  it('each periodic timer re-arms itself for a full interval', () => {
    const state = node(['a']);
    expect(step(state, { type: 'timer', key: { type: 'shuffle' } })).toContainEqual({
      type: 'setTimer',
      key: { type: 'shuffle' },
      delayMs: state.options.shuffleInterval,
    });
    expect(step(state, { type: 'timer', key: { type: 'promotion' } })).toContainEqual({
      type: 'setTimer',
      key: { type: 'promotion' },
      delayMs: state.options.promotionInterval,
    });
  });

  it('start with known peers keeps them and joins through one of them at once', () => {
    const state = createHyParView(me);
    const out = step(state, { type: 'start', known: [p('k1'), p('k2'), me] });
    const joins = sends(out).filter((s) => s.msg.type === 'join');
    expect(joins).toHaveLength(1);
    expect(['k1', 'k2']).toContain(joins[0]?.to);
    expect([...state.contacts.keys()].sort()).toEqual(['k1', 'k2']);
  });

  it('the rejoin timer joins through a contact, and backs off after each failure', () => {
    const state = createHyParView(me);
    step(state, { type: 'join', contact: p('seed') });
    const first = step(state, { type: 'peerDown', peer: 'seed' }).find(
      (e) => e.type === 'setTimer',
    );
    const rejoin = sends(step(state, { type: 'timer', key: { type: 'rejoin' } }));
    expect(rejoin).toEqual([{ to: 'seed', msg: { type: 'join', peer: me } }]);
    const second = step(state, { type: 'peerDown', peer: 'seed' }).find(
      (e) => e.type === 'setTimer',
    );
    expect(second).toMatchObject({ key: { type: 'rejoin' } });
    expect((second as { delayMs: number }).delayMs).toBeGreaterThan(
      (first as { delayMs: number }).delayMs,
    );
  });

  it('an active peer cancels the rejoin timer', () => {
    const state = createHyParView(me);
    step(state, { type: 'join', contact: p('seed') });
    step(state, { type: 'peerDown', peer: 'seed' });
    const out = receive(state, 'x', { type: 'join', peer: p('x') });
    expect(out).toContainEqual({ type: 'cancelTimer', key: { type: 'rejoin' } });
  });

  it('leave cancels a pending rejoin and forgets contacts and lost peers', () => {
    const state = createHyParView(me);
    step(state, { type: 'join', contact: p('seed') });
    step(state, { type: 'peerDown', peer: 'seed' });
    expect(step(state, { type: 'leave' })).toContainEqual({
      type: 'cancelTimer',
      key: { type: 'rejoin' },
    });
    expect([state.contacts.size, state.lost.size]).toEqual([0, 0]);
  });
});

describe('hyparview: lost peers and refill to the maximum', () => {
  it('an active peer that goes down is retried with a request that cannot be refused', () => {
    const state = node(['a', 'b', 'c', 'd', 'e']);
    step(state, { type: 'peerDown', peer: 'a' });
    expect(state.lost.has('a')).toBe(true);
    const out = sends(step(state, { type: 'timer', key: { type: 'promotion' } }));
    expect(out).toContainEqual({ to: 'a', msg: { type: 'neighbor', peer: me, priority: 'high' } });
  });

  it('a failed retry backs off instead of forgetting the lost peer', () => {
    const state = node(['a', 'b']);
    step(state, { type: 'peerDown', peer: 'a' });
    step(state, { type: 'timer', key: { type: 'promotion' } });
    step(state, { type: 'peerDown', peer: 'a' });
    expect(state.lost.get('a')).toMatchObject({ attempts: 1, due: state.round + 2 });
  });

  it('a lost peer that links again leaves the lost set', () => {
    const state = node(['a', 'b']);
    step(state, { type: 'peerDown', peer: 'a' });
    receive(state, 'a', { type: 'neighbor', peer: p('a'), priority: 'low' });
    expect(state.active.has('a')).toBe(true);
    expect(state.lost.has('a')).toBe(false);
  });

  it('a refusal is remembered for a few rounds, so refills try other passive peers', () => {
    const state = node(['a', 'b'], ['q', 'r']);
    state.pending.set('q', state.round);
    receive(state, 'q', { type: 'neighborRejected', peer: p('q') });
    const out = sends(step(state, { type: 'timer', key: { type: 'promotion' } }));
    expect(out).toEqual([{ to: 'r', msg: { type: 'neighbor', peer: me, priority: 'low' } }]);
  });

  it('a node long below the maximum insists with high priority', () => {
    const state = node(['a', 'b', 'c'], ['q']);
    let insisted = false;
    for (let round = 0; round < 12 && !insisted; round++) {
      const out = sends(step(state, { type: 'timer', key: { type: 'promotion' } }));
      state.pending.clear();
      state.rejected.set('q', state.round);
      insisted = out.some((s) => s.msg.type === 'neighbor' && s.msg.priority === 'high');
    }
    expect(insisted).toBe(true);
  });
});

describe('hyparview: quarantine of peers found down', () => {
  const quarantined = (rounds: number, active: string[], passive: string[]) => {
    const state = createHyParView(me, { quarantineRounds: rounds });
    for (const name of active) state.active.set(name, p(name));
    for (const name of passive) state.passive.set(name, p(name));
    return state;
  };
  const shuffleWith = (state: HyParViewState, from: string, entries: string[]) =>
    receive(state, from, {
      type: 'shuffle',
      origin: p(from),
      ttl: 0,
      id: 1,
      entries: entries.map(p),
    });

  it('a passive peer found down is not brought back by shuffles of others', () => {
    const state = quarantined(3, ['a'], ['x']);
    step(state, { type: 'peerDown', peer: 'x' });
    expect(state.passive.has('x')).toBe(false);
    shuffleWith(state, 'a', ['x']);
    expect(state.passive.has('x')).toBe(false);
  });

  it('hearing from the peer itself lifts the quarantine', () => {
    const state = quarantined(3, ['a'], ['x']);
    step(state, { type: 'peerDown', peer: 'x' });
    receive(state, 'x', { type: 'neighborRejected', peer: p('x') });
    expect(state.passive.has('x')).toBe(true);
  });

  it('the quarantine ends after quarantineRounds promotion rounds', () => {
    const state = quarantined(2, ['a', 'b', 'c', 'd', 'e'], ['x']);
    step(state, { type: 'peerDown', peer: 'x' });
    for (let i = 0; i < 2; i++) step(state, { type: 'timer', key: { type: 'promotion' } });
    shuffleWith(state, 'a', ['x']);
    expect(state.passive.has('x')).toBe(true);
  });

  it('is off by default: shuffles bring a peer found down back at once', () => {
    const state = node(['a'], ['x']);
    step(state, { type: 'peerDown', peer: 'x' });
    shuffleWith(state, 'a', ['x']);
    expect(state.passive.has('x')).toBe(true);
  });

  it('a lost active peer is still retried while quarantined, so partitions heal', () => {
    const state = quarantined(100, ['a', 'x'], []);
    step(state, { type: 'peerDown', peer: 'x' });
    expect(state.lost.has('x')).toBe(true);
    const effects = step(state, { type: 'timer', key: { type: 'promotion' } });
    expect(
      sends(effects).some(
        (s) => s.to === 'x' && s.msg.type === 'neighbor' && s.msg.priority === 'high',
      ),
    ).toBe(true);
  });
});
