/**
 * One simulated node process: a composed node core and its real (or simulated, see
 * sim-metadata.ts) handlers, with the effect interpreter the production shells
 * would run, but synchronous: handler answers are fed back before the next event.
 */

import type { WireMessageType } from '../../broadcast/core/index.js';
import type { BroadcastHandler } from '../../broadcast/handler.js';
import {
  parseBoolean,
  parseBroadcastData,
  parseExchangeAnswer,
  parseGraftAnswer,
} from '../../broadcast/handler-answers.js';
import { createHeartbeatHandler, type HeartbeatHandler } from '../../handlers/heartbeat/index.js';
import {
  createNodeCore,
  type NodeCoreConfig,
  type NodeCoreEffect,
  type NodeCoreEvent,
  type NodeCoreState,
  type NodeTimer,
  step,
  timerId,
  viewOf,
} from '../../node-core/index.js';
import type { NodeSpec } from '../../peer-service/core/index.js';
import { createProbeHandler, type ProbeHandler, type ProbeWorld } from './probe-handler.js';
import type { ChannelEvent } from './sim-channels.js';
import type { SimDisk } from './sim-disk.js';
import { type MetadataWorld, SimMetadataReplica } from './sim-metadata.js';

/** What a host needs of the world. */
export interface HostWorld extends ProbeWorld, MetadataWorld {
  readonly now: number;
  after(delayMs: number, action: () => void): void;
  sendMembership(from: string, to: string, msg: unknown): void;
  sendBroadcast(
    from: string,
    to: string,
    msg: import('../../broadcast/core/index.js').WireMessage,
  ): void;
  connect(from: string, peer: string): void;
  disconnect(from: string, peer: string): void;
  /** A core threw, a handler broke the host, or another fault a real node would crash on. */
  fault(node: string, detail: string): void;
  /** Adds a trace line; `text` is only built when tracing. */
  trace(node: string, text: () => string): void;
  /** A broadcast of the probe handler was accepted at `node`. */
  accepted(node: string, id: string): void;
  /**
   * What Plumtree sees of the topology changed at `node`: its view, or its
   * connection to `peer` went up or down.
   */
  topologyChanged(node: string, peer?: string): void;
}

/** A wrapper that makes a handler answer outside the contract (for the handler-answers scenario). */
export type HandlerMutation = (h: BroadcastHandler) => BroadcastHandler;

/** How to start one incarnation. */
export interface HostConfig {
  readonly spec: NodeSpec;
  readonly incarnation: number;
  readonly core: Omit<NodeCoreConfig, 'self' | 'now' | 'handlers' | 'restored' | 'knownPeers'>;
  readonly disk: SimDisk;
  readonly antiEntropy: boolean;
  /** ms between group-commit syncs of the metadata log. */
  readonly fsyncMs: number;
  /** ms an `{ ok }` exchange runs before it is reported ended. */
  readonly exchangeMs: number;
  readonly mutate?: HandlerMutation | undefined;
}

/** A running node. Dead once crashed: a restart makes a new host. */
export class SimHost {
  readonly name: string;
  readonly core: NodeCoreState;
  readonly probe: ProbeHandler;
  readonly metadata: SimMetadataReplica;
  readonly heartbeat: HeartbeatHandler;
  readonly handlers: Map<string, BroadcastHandler>;
  readonly sent = new Map<WireMessageType, number>();
  /** Counts of the core's metric effects by kind. */
  readonly metrics = new Map<string, number>();
  alive = true;
  paused = false;
  private readonly backlog: (() => void)[] = [];
  private readonly timers = new Map<string, number>();
  private timerSeq = 0;
  private syncArmed = false;
  private heartbeats = 0;

  constructor(
    private readonly world: HostWorld,
    readonly config: HostConfig,
  ) {
    this.name = config.spec.name;
    this.probe = createProbeHandler(this.name, config.disk, world, config.antiEntropy);
    this.metadata = new SimMetadataReplica(this.name, config.disk, world, () => world.now);
    this.heartbeat = createHeartbeatHandler(() => world.now);
    const mutate = config.mutate ?? ((h: BroadcastHandler) => h);
    this.handlers = new Map(
      [this.probe, this.metadata.handler(), this.heartbeat].map((h) => [
        h.name,
        mutate(h as BroadcastHandler),
      ]),
    );
    const created = createNodeCore({
      ...config.core,
      self: config.spec,
      now: world.now,
      handlers: [...this.handlers.keys()],
      restored: config.disk.membership,
      knownPeers: config.disk.knownPeers,
    });
    this.core = created.state;
    this.execute(created.effects);
  }

  /** Runs `action` now, or when the node resumes if it is paused. */
  input(action: () => void): void {
    if (!this.alive) return;
    if (this.paused) this.backlog.push(action);
    else action();
  }

  /** Resumes a paused node: everything that arrived meanwhile is processed in order. */
  resume(): void {
    this.paused = false;
    const queued = this.backlog.splice(0);
    for (const action of queued) {
      if (!this.alive || this.paused) {
        this.backlog.push(action);
        continue;
      }
      action();
    }
  }

  /** Feeds a channel-layer event. */
  channel(event: ChannelEvent): void {
    switch (event.type) {
      case 'up':
        this.world.topologyChanged(this.name, event.peer);
        this.feed({ type: 'channelUp', peer: event.peer });
        return;
      case 'down':
        this.world.topologyChanged(this.name, event.peer);
        this.feed({ type: 'channelDown', peer: event.peer });
        return;
      case 'sendFailed':
        this.feed({ type: 'sendFailed', peer: event.peer });
        return;
      case 'receive':
        this.feed({ type: 'receive', from: event.from, envelope: event.envelope });
        return;
      default: {
        const never: never = event;
        this.world.fault(this.name, `unknown channel event ${JSON.stringify(never)}`);
      }
    }
  }

  /** Broadcasts through `handler` as the server's `broadcast` cast does. */
  broadcast(handler: string, message: unknown): void {
    const h = this.handlers.get(handler);
    if (h === undefined) return;
    let data: { readonly id: unknown; readonly payload: unknown };
    try {
      // The production shell's check: an answer outside the contract cancels the broadcast.
      data = parseBroadcastData(handler, h.broadcastData(message as never));
    } catch (error) {
      this.feed({ type: 'broadcastDataFailed', handler, error });
      return;
    }
    if (handler === 'probe') this.world.accepted(this.name, data.id as string);
    this.feed({ type: 'broadcast', handler, id: data.id, payload: data.payload });
  }

  /** Writes to the metadata store; acknowledged by the next sync. */
  write(prefix: [string, string], key: string, value: unknown | undefined): void {
    this.metadata.write(
      prefix,
      key,
      value === undefined ? { kind: 'tombstone' } : { kind: 'value', value },
    );
    this.armSync();
  }

  /** Called by the world after a sync: the acknowledged writes are broadcast. */
  onSynced: (writes: ReturnType<SimMetadataReplica['sync']>) => void = () => undefined;

  /** One heartbeat of the membership heartbeat backend. */
  beat(): void {
    this.broadcast('heartbeat', {
      node: this.name,
      epoch: this.config.incarnation,
      counter: this.heartbeats++,
    });
  }

  /** The peer service's view, self excluded. */
  view(): string[] {
    return viewOf(this.core);
  }

  /** Feeds one event to the core and carries out its effects. */
  feed(event: NodeCoreEvent): void {
    if (!this.alive) return;
    let effects: NodeCoreEffect[];
    try {
      effects = step(this.core, event, this.world.now);
    } catch (error) {
      this.world.fault(this.name, `step threw on ${event.type}: ${String(error)}`);
      return;
    }
    this.execute(effects);
  }

  private execute(effects: readonly NodeCoreEffect[]): void {
    const w = this.world;
    for (const e of effects) {
      switch (e.type) {
        case 'send':
          if (e.channel === 'membership') w.sendMembership(this.name, e.to, e.msg);
          else {
            this.sent.set(e.msg.type, (this.sent.get(e.msg.type) ?? 0) + 1);
            w.sendBroadcast(this.name, e.to, e.msg);
          }
          break;
        case 'connect':
          w.connect(this.name, e.peer.name);
          break;
        case 'disconnect':
          w.disconnect(this.name, e.peer);
          break;
        case 'setTimer':
          this.setTimer(e.timer, e.delayMs);
          break;
        case 'cancelTimer':
          this.timers.delete(timerId(e.timer));
          break;
        case 'handlerCall':
          this.call(e.call);
          break;
        case 'cancelExchange':
          break;
        case 'viewChanged':
          w.topologyChanged(this.name);
          w.trace(this.name, () => `view ${e.members.join(',')}`);
          break;
        case 'persist':
          this.config.disk.membership = e.snapshot;
          break;
        case 'persistPeers':
          this.config.disk.knownPeers = e.peers;
          break;
        case 'metric':
          this.metrics.set(e.metric.kind, (this.metrics.get(e.metric.kind) ?? 0) + 1);
          break;
        case 'log':
          if (e.level === 'error' && e.message.includes('core threw')) {
            w.fault(this.name, `${e.message}: ${String(e.error)}`);
          } else w.trace(this.name, () => `${e.layer} ${e.level}: ${e.message}`);
          break;
        default: {
          const never: never = e;
          w.fault(this.name, `unknown effect ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private setTimer(timer: NodeTimer, delayMs: number): void {
    const id = timerId(timer);
    const seq = ++this.timerSeq;
    this.timers.set(id, seq);
    this.world.after(delayMs, () =>
      this.input(() => {
        if (this.timers.get(id) !== seq) return;
        this.timers.delete(id);
        this.feed({ type: 'timer', timer });
      }),
    );
  }

  private armSync(): void {
    if (this.syncArmed) return;
    this.syncArmed = true;
    this.world.after(this.config.fsyncMs, () =>
      this.input(() => {
        this.syncArmed = false;
        this.onSynced(this.metadata.sync());
      }),
    );
  }

  private call(call: import('../../node-core/index.js').HandlerCall): void {
    const h = this.handlers.get(call.handler);
    if (h === undefined) {
      this.world.fault(this.name, `core called unregistered handler ${call.handler}`);
      return;
    }
    try {
      switch (call.type) {
        case 'merge': {
          let isNew: boolean;
          try {
            isNew = parseBoolean(call.handler, 'merge', h.merge(call.id, call.payload));
          } catch (error) {
            this.answer({ type: 'mergeFailed', token: call.token, error });
            break;
          }
          if (call.handler === 'metadata' && isNew) this.armSync();
          this.answer({ type: 'mergeResult', token: call.token, isNew });
          break;
        }
        case 'isStale': {
          let stale: boolean;
          try {
            stale = parseBoolean(call.handler, 'isStale', h.isStale(call.id));
          } catch (error) {
            this.answer({ type: 'isStaleFailed', token: call.token, error });
            break;
          }
          this.answer({ type: 'isStaleResult', token: call.token, stale });
          break;
        }
        case 'graft': {
          let result: import('../../broadcast/core/index.js').GraftOutcome;
          try {
            result = parseGraftAnswer(call.handler, h.graft(call.id));
          } catch (error) {
            result = { error };
          }
          this.answer({ type: 'graftResult', token: call.token, result });
          break;
        }
        case 'exchangeStart': {
          let result: import('../../broadcast/core/index.js').ExchangeOutcome;
          try {
            result = parseExchangeAnswer(call.handler, h.exchange(call.peer));
          } catch (error) {
            result = { error };
          }
          this.answer({ type: 'exchangeResult', token: call.token, result });
          if (typeof result === 'object' && result !== null && 'ok' in result) {
            const ref = call.token.ref;
            this.world.after(this.config.exchangeMs, () =>
              this.input(() => this.answer({ type: 'exchangeEnded', ref })),
            );
          }
          break;
        }
        default: {
          const never: never = call;
          this.world.fault(this.name, `unknown handler call ${JSON.stringify(never)}`);
        }
      }
    } catch (error) {
      this.world.fault(this.name, `handler call ${call.type} crashed the host: ${String(error)}`);
    }
  }

  private answer(answer: import('../../node-core/index.js').HandlerAnswerEvent): void {
    this.feed({ type: 'handlerAnswer', answer });
  }
}
