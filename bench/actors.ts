/**
 * What the gen_server layer costs over raw nact, measured in one run:
 * cast throughput to one server beside nact `dispatch` to a raw actor, and call round
 * trips beside nact `query`. Trials alternate between the two and the medians are
 * compared, so machine noise hits both alike.
 */
import { call, cast, type From, start, startServer, stop } from '../src/actors/index.js';
import { dispatch, query, spawnRaw } from '../src/actors/nact.js';

const CASTS = 100_000;
const CALLS = 10_000;
const TRIALS = 7;

interface Sink {
  count: number;
  target: number;
  done: () => void;
}

function waitFor(sink: Sink, n: number): Promise<void> {
  return new Promise((resolve) => {
    sink.count = 0;
    sink.target = n;
    sink.done = resolve;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function benchActors(): Promise<Record<string, number>> {
  const system = start();
  const ours: Sink = { count: 0, target: 0, done: () => {} };
  const raw: Sink = { count: 0, target: 0, done: () => {} };

  const server = await startServer(
    system,
    {
      init: () => 0,
      handleCast: (_m: unknown, s: number) => {
        if (++ours.count === ours.target) ours.done();
        return s;
      },
      handleCall: (m: number, _f: From<number>, s: number) => ({ reply: m, state: s }),
    },
    undefined,
  );
  const rawActor = spawnRaw(
    system,
    (state: unknown, msg: unknown) => {
      const m = msg as { replyTo?: unknown; n?: number };
      if (m.replyTo) dispatch(m.replyTo as never, m.n);
      else if (++raw.count === raw.target) raw.done();
      return state;
    },
    'raw-bench',
    () => {},
  );

  const castRates: number[] = [];
  const rawRates: number[] = [];
  const callRates: number[] = [];
  const queryRates: number[] = [];
  const msg = { type: 'x' };

  for (let t = 0; t < TRIALS; t++) {
    let done = waitFor(raw, CASTS);
    let t0 = performance.now();
    for (let i = 0; i < CASTS; i++) dispatch(rawActor, msg);
    await done;
    rawRates.push(CASTS / ((performance.now() - t0) / 1000));

    done = waitFor(ours, CASTS);
    t0 = performance.now();
    for (let i = 0; i < CASTS; i++) cast(server, msg);
    await done;
    castRates.push(CASTS / ((performance.now() - t0) / 1000));

    t0 = performance.now();
    for (let i = 0; i < CALLS; i++)
      await query(rawActor, (replyTo: unknown) => ({ replyTo, n: i }), 5000);
    queryRates.push(CALLS / ((performance.now() - t0) / 1000));

    t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await call(server, i, 5000);
    callRates.push(CALLS / ((performance.now() - t0) / 1000));
  }
  stop(system);

  const castPerSec = Math.round(median(castRates));
  const rawDispatchPerSec = Math.round(median(rawRates));
  const callPerSec = Math.round(median(callRates));
  const rawQueryPerSec = Math.round(median(queryRates));
  return {
    castPerSec,
    rawDispatchPerSec,
    castRatio: Number((rawDispatchPerSec / castPerSec).toFixed(3)),
    callPerSec,
    rawQueryPerSec,
    callRatio: Number((rawQueryPerSec / callPerSec).toFixed(3)),
    trials: TRIALS,
    casts: CASTS,
    calls: CALLS,
  };
}
