import { describe, expect, it } from 'vitest';
import {
  call,
  cast,
  dispatch,
  type GenServer,
  kill,
  send,
  startServer,
  whenExited,
} from '../../src/actors/index.js';
import { MAX_BATCH } from '../../src/actors/mailbox.js';
import { deferred, useSystem } from '../support/actors.js';

type Msg = { readonly n: number } | { readonly wait: Promise<void>; readonly n: number };

/** Records every message it handles, with whether an async callback was still running. */
function recorder(
  seen: number[],
  overlaps: { count: number },
): GenServer<void, number, 'get', number[], Msg> {
  let running = false;
  return {
    init: () => 0,
    handleCast: async (msg, state) => {
      if (running) overlaps.count++;
      running = true;
      if ('wait' in msg) await msg.wait;
      seen.push(msg.n);
      running = false;
      return state + 1;
    },
    handleCall: (_msg, _from, state) => ({ reply: [...seen], state }),
    handleInfo: (msg, state) => {
      seen.push((msg as { n: number }).n);
      return state;
    },
  };
}

describe("a server's mailbox", () => {
  const system = useSystem();

  it('handles a burst several batches long in the order it was sent', async () => {
    const seen: number[] = [];
    const ref = await startServer(system(), recorder(seen, { count: 0 }), undefined);
    const total = MAX_BATCH * 3 + 7;
    for (let n = 0; n < total; n++) cast(ref, { n });
    await call(ref, 'get');
    expect(seen).toEqual(Array.from({ length: total }, (_, n) => n));
  });

  it('keeps casts, infos and calls in one order, whichever way they are sent', async () => {
    const seen: number[] = [];
    const ref = await startServer(system(), recorder(seen, { count: 0 }), undefined);
    cast(ref, { n: 1 });
    send(ref, { n: 2 });
    cast(ref, { n: 3 });
    const reply = await call<number[]>(ref, 'get');
    expect(reply).toEqual([1, 2, 3]);
  });

  it('holds the queued messages behind an async callback until it settles', async () => {
    const seen: number[] = [];
    const overlaps = { count: 0 };
    const ref = await startServer(system(), recorder(seen, overlaps), undefined);
    const gate = deferred();
    cast(ref, { n: 0, wait: gate.promise });
    for (let n = 1; n <= MAX_BATCH + 5; n++) cast(ref, { n });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    gate.resolve();
    await call(ref, 'get');
    expect(seen).toHaveLength(MAX_BATCH + 6);
    expect(overlaps.count).toBe(0);
  });

  it('gives the event loop a turn between batches of a long burst', async () => {
    const seen: number[] = [];
    const ref = await startServer(system(), recorder(seen, { count: 0 }), undefined);
    const total = MAX_BATCH * 4;
    for (let n = 0; n < total; n++) cast(ref, { n });
    const handledWhenIoRan = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(seen.length)),
    );
    expect(handledWhenIoRan).toBeLessThan(total);
    await call(ref, 'get');
    expect(seen).toHaveLength(total);
  });

  it("still takes a message sent with nact's own dispatch", async () => {
    const seen: number[] = [];
    const ref = await startServer(system(), recorder(seen, { count: 0 }), undefined);
    dispatch(ref, { n: 42 });
    await call(ref, 'get');
    expect(seen).toEqual([42]);
  });

  it('drops what was queued for a server that is killed', async () => {
    const seen: number[] = [];
    const ref = await startServer(system(), recorder(seen, { count: 0 }), undefined);
    for (let n = 0; n < 10; n++) cast(ref, { n });
    kill(ref);
    expect(await whenExited(ref)).toBe('killed');
    // the wake-up nact had queued runs on the next turn, and must find nothing
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
  });
});
