import { describe, expect, it } from 'vitest';
import { getPeers, type PlumtreeState, step } from '../../src/broadcast/core/index.js';
import { H, makeState, ofType, sent } from './helpers.js';

/** `a` broadcast `x` (so `d`, its lazy peer, is owed an announcement), then `d` grafts it. */
function grafting(s: PlumtreeState) {
  step(s, { type: 'localBroadcast', handler: H, id: 'x', payload: 'px' }, 0);
  const msg = {
    type: 'graft',
    id: 'x',
    handler: H,
    round: 0,
    root: 'a',
    from: 'd',
    linkOnly: false,
  } as const;
  const [call] = ofType(step(s, { type: 'receive', from: 'd', msg }, 0), 'graft');
  if (call === undefined) throw new Error('no graft call');
  return call;
}

describe('receiving graft', () => {
  it('asks the handler for the payload', () => {
    const s = makeState();
    const call = grafting(s);
    expect(call).toMatchObject({ handler: H, id: 'x', token: { from: 'd' } });
  });

  it('on {ok}: makes the grafter eager and sends it the payload with the graft round', () => {
    const s = makeState();
    const call = grafting(s);
    const effects = step(s, { type: 'graftResult', token: call.token, result: { ok: 'px' } }, 0);
    expect(sent(effects, 'broadcast')).toEqual([
      [
        'd',
        { type: 'broadcast', id: 'x', payload: 'px', handler: H, round: 0, root: 'a', from: 'a' },
      ],
    ]);
    expect(getPeers(s, 'a').eagers).toContain('d');
  });

  it('on {ok}: keeps the outstanding announcement, so the next ignore acknowledges it', () => {
    const s = makeState();
    const call = grafting(s);
    step(s, { type: 'graftResult', token: call.token, result: { ok: 'px' } }, 0);
    expect(s.outstanding.countFor('d')).toBe(1);
  });

  it('on stale: deletes the outstanding announcement and sends nothing', () => {
    const s = makeState();
    const call = grafting(s);
    const effects = step(s, { type: 'graftResult', token: call.token, result: 'stale' }, 0);
    expect(effects).toEqual([]);
    expect(s.outstanding.countFor('d')).toBe(0);
  });

  it('on {error}: logs it and changes nothing', () => {
    const s = makeState();
    const call = grafting(s);
    const effects = step(
      s,
      { type: 'graftResult', token: call.token, result: { error: 'gone' } },
      0,
    );
    expect(ofType(effects, 'log')).toMatchObject([{ level: 'warn', error: 'gone' }]);
    expect(ofType(effects, 'send')).toEqual([]);
    expect(s.outstanding.countFor('d')).toBe(1);
  });

  it('a link-only graft makes the sender eager without asking the handler', () => {
    const s = makeState({ options: { newRootSeed: 'common' } });
    const msg = {
      type: 'graft',
      id: 'x',
      handler: H,
      round: 1,
      root: 'e',
      from: 'd',
      linkOnly: true,
    } as const;
    const effects = step(s, { type: 'receive', from: 'd', msg }, 0);
    expect(effects).toEqual([]);
    expect(getPeers(s, 'e')).toEqual({ eagers: ['b', 'c', 'd'], lazys: [] });
  });

  it('drops a graft for an unregistered handler', () => {
    const s = makeState();
    const msg = {
      type: 'graft',
      id: 'x',
      handler: 'nope',
      round: 0,
      root: 'a',
      from: 'd',
      linkOnly: false,
    } as const;
    const effects = step(s, { type: 'receive', from: 'd', msg }, 0);
    expect(ofType(effects, 'graft')).toEqual([]);
    expect(ofType(effects, 'metric')[0]?.metric.kind).toBe('unknownHandlerDropped');
  });
});
