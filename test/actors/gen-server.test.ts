import { describe, expect, it } from 'vitest';
import {
  type ActorRef,
  AlreadyRegisteredError,
  CallExitError,
  CallTimeoutError,
  call,
  cancelTimer,
  cast,
  type DownMessage,
  deadLetterCount,
  dispatch,
  type ExitReason,
  type From,
  type GenServer,
  isAlive,
  kill,
  monitor,
  NoProcError,
  onExit,
  query,
  reply,
  type ServerContext,
  send,
  sendAfter,
  spawnServer,
  startServer,
  stopServer,
  whenExited,
  whereis,
} from '../../src/actors/index.js';
import { deferred, eventually, useSystem } from '../support/actors.js';

type Msg =
  | { type: 'get' }
  | { type: 'add'; n: number }
  | { type: 'boom' }
  | { type: 'slow'; ms: number };

/** A counter server that records what happened to it. */
function counter(log: string[] = []): GenServer<number, number, Msg, number, Msg, unknown> {
  return {
    init: (n) => n,
    handleCall: (msg, _from, state) => {
      if (msg.type === 'boom') throw new Error('boom');
      if (msg.type === 'add') return { reply: state + msg.n, state: state + msg.n };
      return { reply: state, state };
    },
    handleCast: async (msg, state) => {
      if (msg.type === 'boom') throw new Error('cast boom');
      if (msg.type === 'slow') await new Promise((r) => setTimeout(r, msg.ms));
      if (msg.type === 'add' || msg.type === 'slow') {
        log.push(`cast:${msg.type === 'add' ? msg.n : 'slow'}`);
        return msg.type === 'add' ? state + msg.n : state;
      }
      return state;
    },
    handleInfo: (msg, state) => {
      log.push(`info:${JSON.stringify(msg)}`);
      return state;
    },
    terminate: (reason) => {
      log.push(
        `terminate:${typeof reason === 'string' ? reason : 'error' in reason ? 'error' : 'shutdown'}`,
      );
    },
  };
}

describe('gen_server: init', () => {
  const system = useSystem();

  it('startServer resolves once init has returned its state', async () => {
    const ref = await startServer(system(), counter(), 41);
    expect(await call(ref, { type: 'get' })).toBe(41);
  });

  it('a throw in init fails the start with that error', async () => {
    const err = new Error('bad args');
    await expect(
      startServer(
        system(),
        {
          init: () => {
            throw err;
          },
        },
        undefined,
      ),
    ).rejects.toBe(err);
  });

  it('a rejection in async init fails the start with that error', async () => {
    await expect(
      startServer(system(), { init: async () => Promise.reject(new Error('later')) }, undefined),
    ).rejects.toThrow('later');
  });

  it('messages sent before init finishes are handled after it', async () => {
    const log: string[] = [];
    const ref = spawnServer(
      system(),
      {
        init: async () => {
          await new Promise((r) => setTimeout(r, 10));
          log.push('init');
          return 0;
        },
        handleCast: (m: string, s: number) => {
          log.push(m);
          return s;
        },
        handleCall: (_m: unknown, _f: From<string[]>, s: number) => ({ reply: log, state: s }),
      },
      undefined,
    );
    cast(ref, 'first');
    expect(await call(ref, 'log')).toEqual(['init', 'first']);
  });
});

describe('gen_server: call', () => {
  const system = useSystem();

  it('resolves with the reply', async () => {
    const ref = await startServer(system(), counter(), 1);
    expect(await call(ref, { type: 'add', n: 2 })).toBe(3);
  });

  it('rejects with CallTimeoutError after the timeout and drops the late reply', async () => {
    const late = deferred<From<string>>();
    const ref = await startServer(
      system(),
      {
        init: () => null,
        handleCall: (_m: unknown, from: From<string>, s: null) => {
          late.resolve(from);
          return { noreply: true as const, state: s };
        },
      },
      undefined,
    );
    const p = call(ref, 'q', 30);
    await expect(p).rejects.toBeInstanceOf(CallTimeoutError);
    const from = await late.promise;
    expect(() => reply(from, 'too late')).not.toThrow();
    await expect(p).rejects.toBeInstanceOf(CallTimeoutError);
  });

  it('rejects with NoProcError when the target is not running', async () => {
    const ref = await startServer(system(), counter(), 0);
    kill(ref);
    await expect(call(ref, { type: 'get' })).rejects.toBeInstanceOf(NoProcError);
  });

  it('rejects with NoProcError for a name nobody holds', async () => {
    await expect(call('nobody-here', { type: 'get' })).rejects.toBeInstanceOf(NoProcError);
  });

  it('rejects with CallExitError when the target crashes before replying', async () => {
    const ref = await startServer(system(), counter(), 0);
    const err = await call(ref, { type: 'boom' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallExitError);
    expect((err as CallExitError).reason).toMatchObject({ error: { message: 'boom' } });
  });

  it('waits without a timer when the timeout is Infinity', async () => {
    const ref = await startServer(
      system(),
      {
        init: () => null,
        handleCall: async (_m: unknown, _f: From<string>, s: null) => {
          await new Promise((r) => setTimeout(r, 20));
          return { reply: 'done', state: s };
        },
      },
      undefined,
    );
    expect(await call(ref, 'q', Number.POSITIVE_INFINITY)).toBe('done');
  });

  it('a noreply call is answered later through from', async () => {
    const ref = await startServer(
      system(),
      {
        init: () => [] as From<string>[],
        handleCall: (m: string, from: From<string>, waiting: From<string>[]) => {
          if (m === 'wait') return { noreply: true as const, state: [...waiting, from] };
          for (const w of waiting) reply(w, 'released');
          return { reply: 'ok', state: [] };
        },
      },
      undefined,
    );
    const waiting = call(ref, 'wait');
    expect(await call(ref, 'release')).toBe('ok');
    expect(await waiting).toBe('released');
  });

  it("answers nact's query whose message carries replyTo", async () => {
    const ref = await startServer(
      system(),
      {
        init: () => 7,
        handleCall: (_m: { type: string }, _f: From<number>, s: number) => ({ reply: s, state: s }),
      },
      undefined,
    );
    expect(await query(ref, (replyTo: ActorRef) => ({ type: 'get', replyTo }), 1000)).toBe(7);
  });
});

describe('gen_server: cast and ordering', () => {
  const system = useSystem();

  it("nact's dispatch reaches handleCast", async () => {
    const ref = await startServer(system(), counter(), 0);
    dispatch(ref, { type: 'add', n: 5 });
    expect(await call(ref, { type: 'get' })).toBe(5);
  });

  it('handles messages one at a time in arrival order, async handlers included', async () => {
    const log: string[] = [];
    const ref = await startServer(system(), counter(log), 0);
    cast(ref, { type: 'slow', ms: 20 });
    cast(ref, { type: 'add', n: 1 });
    cast(ref, { type: 'slow', ms: 5 });
    cast(ref, { type: 'add', n: 2 });
    expect(await call(ref, { type: 'get' })).toBe(3);
    expect(log).toEqual(['cast:slow', 'cast:1', 'cast:slow', 'cast:2']);
  });

  it('a cast to a stopped actor is dropped and counted, never thrown', async () => {
    const ref = await startServer(system(), counter(), 0);
    await stopServer(ref);
    const before = deadLetterCount();
    expect(() => cast(ref, { type: 'add', n: 1 })).not.toThrow();
    expect(() => cast('no-such-name', 'x')).not.toThrow();
    expect(deadLetterCount()).toBe(before + 2);
  });

  it('a throw in handleCast crashes the server and terminate runs with the error', async () => {
    const log: string[] = [];
    const ref = await startServer(system(), counter(log), 0);
    cast(ref, { type: 'boom' });
    const reason = await whenExited(ref);
    expect(reason).toMatchObject({ error: { message: 'cast boom' } });
    expect(log).toContain('terminate:error');
    expect(isAlive(ref)).toBe(false);
  });

  it('ctx.stop ends the server normally after the current callback', async () => {
    const ref = await startServer(
      system(),
      {
        init: () => 0,
        handleCall: (_m: unknown, _f: From<string>, s: number, ctx: ServerContext) => {
          ctx.stop('normal');
          return { reply: 'bye', state: s };
        },
      },
      undefined,
    );
    expect(await call(ref, 'stop')).toBe('bye');
    expect(await whenExited(ref)).toBe('normal');
  });
});

describe('gen_server: timers', () => {
  const system = useSystem();

  it('sendAfter delivers the message to handleInfo', async () => {
    const got = deferred<unknown>();
    const ref = await startServer(
      system(),
      {
        init: () => null,
        handleInfo: (m: unknown, s: null) => {
          got.resolve(m);
          return s;
        },
      },
      undefined,
    );
    sendAfter(ref, 'tick', 5);
    expect(await got.promise).toBe('tick');
  });

  it('cancelTimer stops a pending timer and reports it', async () => {
    const log: string[] = [];
    const ref = await startServer(system(), counter(log), 0);
    const t = sendAfter(ref, 'never', 20);
    expect(cancelTimer(t)).toBe(true);
    expect(cancelTimer(t)).toBe(false);
    sendAfter(ref, 'later', 40);
    await eventually(() => log.length > 0);
    expect(log).toEqual(['info:"later"']);
  });

  it("a stopped server's timers are cancelled", async () => {
    const ref = await startServer(system(), counter(), 0);
    const t = sendAfter(ref, 'tick', 10_000);
    await stopServer(ref);
    expect(cancelTimer(t)).toBe(false);
  });

  it('send delivers an info message at once', async () => {
    const log: string[] = [];
    const ref = await startServer(system(), counter(log), 0);
    send(ref, { hello: 1 });
    await call(ref, { type: 'get' });
    expect(log).toEqual(['info:{"hello":1}']);
  });
});

describe('monitors', () => {
  const system = useSystem();

  function watcher(
    seen: DownMessage[],
  ): GenServer<undefined, null, ActorRef, unknown, never, unknown> {
    return {
      init: () => null,
      handleCall: (target, _f, s, ctx) => ({ reply: ctx.monitor(target), state: s }),
      handleInfo: (m, s) => {
        seen.push(m as DownMessage);
        return s;
      },
    };
  }

  it('the watcher gets DOWN with the reason when the target stops', async () => {
    const seen: DownMessage[] = [];
    const w = await startServer(system(), watcher(seen), undefined);
    const t = await startServer(system(), counter(), 0);
    const mref = await call(w, t);
    cast(t, { type: 'boom' });
    await eventually(() => seen.length === 1);
    expect(seen[0]).toMatchObject({
      type: 'DOWN',
      ref: mref,
      target: t,
      reason: { error: { message: 'cast boom' } },
    });
  });

  it('monitoring a target that is already dead gives DOWN noproc at once', async () => {
    const seen: DownMessage[] = [];
    const w = await startServer(system(), watcher(seen), undefined);
    const t = await startServer(system(), counter(), 0);
    kill(t);
    await call(w, t);
    await eventually(() => seen.length === 1);
    expect(seen[0]?.reason).toBe('noproc');
  });

  it('demonitor stops the DOWN from coming', async () => {
    const seen: DownMessage[] = [];
    const w = await startServer(system(), watcher(seen), undefined);
    const t = await startServer(system(), counter(), 0);
    const { demonitor } = await import('../../src/actors/index.js');
    demonitor(monitor(w, t));
    const reasons: ExitReason[] = [];
    onExit(t, (d) => reasons.push(d.reason));
    kill(t);
    await eventually(() => reasons.length === 1);
    await call(w, t); // one more round trip: a stray DOWN would have arrived by now
    expect(seen.filter((d) => d.reason === 'killed')).toEqual([]);
  });
});

describe('registry', () => {
  const system = useSystem();

  it('call and cast reach a server by its registered name', async () => {
    const name = 'broadcast@node-a:9000';
    await startServer(system(), counter(), 10, { name });
    cast(name, { type: 'add', n: 1 });
    expect(await call(name, { type: 'get' })).toBe(11);
    expect(whereis(name)).toBeDefined();
  });

  it('a name is freed when its process stops', async () => {
    const ref = await startServer(system(), counter(), 0, { name: 'freed' });
    await stopServer(ref);
    expect(whereis('freed')).toBeUndefined();
  });

  it('a second live process cannot take a bound name', async () => {
    await startServer(system(), counter(), 0, { name: 'taken' });
    expect(() => spawnServer(system(), counter(), 0, { name: 'taken' })).toThrow(
      AlreadyRegisteredError,
    );
  });
});

describe('stopServer', () => {
  const system = useSystem();

  it('runs terminate with the given reason', async () => {
    const log: string[] = [];
    const ref = await startServer(system(), counter(log), 0);
    expect(await stopServer(ref, 'shutdown', 1000)).toBe('shutdown');
    expect(log).toEqual(['terminate:shutdown']);
  });

  it('kills a server whose terminate outlasts the shutdown time', async () => {
    const ref = await startServer(
      system(),
      { init: () => null, terminate: () => new Promise<void>(() => {}) },
      undefined,
    );
    expect(await stopServer(ref, 'shutdown', 20)).toBe('killed');
  });

  it('brutal_kill skips terminate', async () => {
    const log: string[] = [];
    const ref = await startServer(system(), counter(log), 0);
    expect(await stopServer(ref, 'shutdown', 'brutal_kill')).toBe('killed');
    expect(log).toEqual([]);
  });
});
