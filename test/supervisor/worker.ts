import { type ActorRef, type From, type GenServer, spawnServer } from '../../src/actors/index.js';
import type { ChildSpec, RestartType, Shutdown } from '../../src/supervisor/index.js';

/** Calls the test worker answers. */
export type WorkerCall = 'ping' | 'crash' | 'exit-normal' | { timer: number };

export interface WorkerOptions {
  readonly log?: string[];
  /** How long terminate takes. */
  readonly terminateMs?: number;
  /** Fail init (with this message) while it returns true. */
  readonly failInit?: () => string | undefined;
  readonly name?: string;
}

/** A worker that records `start:id` and `stop:id:reason` and obeys the calls above. */
export function worker(
  id: string,
  opts: WorkerOptions = {},
): GenServer<undefined, { ticks: number }, WorkerCall, unknown, never, unknown> {
  const log = opts.log ?? [];
  return {
    init: () => {
      const failure = opts.failInit?.();
      if (failure) throw new Error(failure);
      log.push(`start:${id}`);
      return { ticks: 0 };
    },
    handleCall: (msg, _from: From<unknown>, state, ctx) => {
      if (msg === 'crash') throw new Error(`${id} crashed`);
      if (msg === 'exit-normal') {
        ctx.stop('normal');
        return { reply: 'bye', state };
      }
      if (typeof msg === 'object') {
        ctx.sendAfter('tick', msg.timer);
        return { reply: 'armed', state };
      }
      return { reply: `pong:${id}:${state.ticks}`, state };
    },
    handleInfo: (msg, state) => {
      if (msg === 'tick') log.push(`tick:${id}`);
      return state;
    },
    terminate: async (reason) => {
      if (opts.terminateMs) await new Promise((r) => setTimeout(r, opts.terminateMs));
      log.push(
        `stop:${id}:${typeof reason === 'string' ? reason : 'error' in reason ? 'error' : 'shutdown'}`,
      );
    },
  };
}

/** A child spec for {@link worker}. */
export function workerSpec(
  id: string,
  opts: WorkerOptions & { restart?: RestartType; shutdown?: Shutdown } = {},
): ChildSpec {
  return {
    id,
    start: (parent: ActorRef) =>
      spawnServer(
        parent,
        worker(id, opts),
        undefined,
        opts.name === undefined ? { label: id } : { name: opts.name },
      ),
    ...(opts.restart ? { restart: opts.restart } : {}),
    ...(opts.shutdown !== undefined ? { shutdown: opts.shutdown } : {}),
  };
}
