/**
 * The actor that beats: every `intervalMs` it broadcasts this node's next heartbeat
 * through the broadcast server. Its epoch is its start time, so a restarted backend
 * (or node) starts a new epoch that makes the old one's heartbeats stale.
 */
import { cast, type GenServer, type Target } from '../../actors/index.js';
import { HEARTBEAT_HANDLER, type Heartbeat } from './heartbeat-handler.js';

/** Arguments of the heartbeat backend. */
export interface HeartbeatBackendArgs {
  readonly node: string;
  /** The broadcast server (reference or name). */
  readonly server: Target;
  readonly intervalMs: number;
  readonly now?: () => number;
}

interface State {
  readonly args: HeartbeatBackendArgs;
  readonly epoch: number;
  counter: number;
}

/** The backend's behaviour. */
export const heartbeatBackendBehaviour: GenServer<
  HeartbeatBackendArgs,
  State,
  never,
  unknown,
  never,
  { type: 'beat' }
> = {
  init(args, ctx) {
    if (!(args.intervalMs > 0))
      throw new RangeError(`heartbeat interval must be > 0 ms, got ${args.intervalMs}`);
    ctx.sendAfter({ type: 'beat' }, args.intervalMs);
    return { args, epoch: (args.now ?? Date.now)(), counter: 0 };
  },
  handleInfo(msg, state, ctx) {
    if ('type' in msg && msg.type === 'beat') {
      const beat: Heartbeat = {
        node: state.args.node,
        epoch: state.epoch,
        counter: state.counter++,
      };
      cast(state.args.server, { type: 'broadcast', message: beat, handler: HEARTBEAT_HANDLER });
      ctx.sendAfter({ type: 'beat' }, state.args.intervalMs);
    }
    return state;
  },
};
