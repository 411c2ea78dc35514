import type { PlumtreeOptions, WireMessage } from '../broadcast/core/index.js';
import { createPlumtreeState } from '../broadcast/core/index.js';
import { BroadcastMetrics } from '../broadcast/metrics.js';
import { MetricsRegistry } from '../metrics/registry.js';
import {
  createHyParView,
  type HyParViewEffect,
  type HyParViewEvent,
  type HyParViewOptions,
  type HyParViewState,
  type HyParViewTimer,
  stepHyParView,
} from '../peer-service/core/index.js';
import type { Rng } from '../util/rng.js';
import type { DeliveryTracker } from './delivery-tracker.js';
import { Flooder } from './flooder.js';
import type { SimNetwork, SimNode } from './network.js';
import type { OverlayMessage, SimPeer } from './overlay-messages.js';
import { type PlumtreeHost, PlumtreeSimNode, periodicCoreTimerNames } from './plumtree-node.js';
import { PullSetHandler } from './pull-set-handler.js';

/** One registry for the broadcast metrics of every node of a cluster. */
export function sharedBroadcastMetrics(): {
  readonly registry: MetricsRegistry;
  readonly metrics: BroadcastMetrics;
} {
  const registry = new MetricsRegistry();
  return { registry, metrics: new BroadcastMetrics(registry, [OVERLAY_HANDLER]) };
}

/** Name of the one broadcast handler every overlay node runs. */
export const OVERLAY_HANDLER = 'set';

const MEMBERSHIP_TIMER = 'hpv:';
const PLUMTREE_TIMER = 'pt:';
/** The core's typed timer keys by their network timer name (the network keys timers by string). */
const MEMBERSHIP_TIMERS: Record<HyParViewTimer['type'], HyParViewTimer> = {
  shuffle: { type: 'shuffle' },
  promotion: { type: 'promotion' },
  rejoin: { type: 'rejoin' },
};
// Network names of the periodic timers, built once, and what each one fires: every
// node re-arms several of them every few seconds, and a name built per call is a
// new string to hash on every set, cancel and fire (the network keys timers by name).
const MEMBERSHIP_TIMER_NAMES = Object.fromEntries(
  Object.keys(MEMBERSHIP_TIMERS).map((type) => [type, MEMBERSHIP_TIMER + type]),
) as Record<HyParViewTimer['type'], string>;
const MEMBERSHIP_TIMER_BY_NAME = new Map<string, HyParViewTimer>(
  Object.values(MEMBERSHIP_TIMERS).map((key) => [MEMBERSHIP_TIMER + key.type, key]),
);
const PLUMTREE_TIMER_NAMES = new Map<string, string>(
  periodicCoreTimerNames.map((key) => [key, PLUMTREE_TIMER + key]),
);
const PLUMTREE_TIMER_KEYS = new Map<string, string>(
  periodicCoreTimerNames.map((key) => [PLUMTREE_TIMER + key, key]),
);

function plumtreeTimerName(key: string): string {
  return PLUMTREE_TIMER_NAMES.get(key) ?? PLUMTREE_TIMER + key;
}

/** How to build one {@link OverlayNode}. */
export interface OverlayNodeConfig {
  readonly name: string;
  readonly net: SimNetwork<OverlayMessage>;
  /** The plumtree view of `net` (see {@link overlayPlumtreeHost}). */
  readonly host: PlumtreeHost;
  readonly membership: Partial<HyParViewOptions>;
  readonly plumtree: Partial<PlumtreeOptions>;
  /** Randomness of the HyParView core. */
  readonly membershipRng: Rng;
  /** Randomness of the Plumtree core. */
  readonly plumtreeRng: Rng;
  /** Follows Plumtree broadcasts. */
  readonly plumtreeTracker: DeliveryTracker;
  /** Follows the flooding baseline. */
  readonly floodTracker: DeliveryTracker;
  /** Whether the handler's exchange pulls missing messages from a neighbour. */
  readonly exchange: boolean;
  /** Broadcast metrics shared by the cluster's nodes; default one registry per node. */
  readonly metrics?: { readonly registry: MetricsRegistry; readonly metrics: BroadcastMetrics };
  /** Peers this node knew in an earlier life (its saved views): handed to the core at start. */
  readonly known?: readonly string[];
  /**
   * ms for this node to notice that a peer it talks to has crashed: a connection
   * that dies, or one that cannot be opened. Models the channel layer's failure
   * detection (ping timeout, refused connect).
   */
  readonly detectionMs: number;
}

/**
 * Phases of a node's Plumtree timers, spread so that nodes do not tick in lockstep
 * (the HyParView core picks its own phases at `start`).
 */
export interface OverlayPhases {
  readonly lazyMs: number;
  readonly exchangeMs: number;
}

/**
 * One simulated process running the production cores the way the runtime stacks
 * them: HyParView maintains the active view, whose changes become the Plumtree
 * core's `update(members)`, over the same network. It also runs the flooding
 * baseline over the same active view, and answers simulated exchanges (push-pull of the handler's set).
 *
 * The simulator plays the channel layer: a send or a connect to a crashed node is
 * reported back as `peerDown` after `detectionMs`. Timers, rejoins and refills are
 * the core's own (`setTimer` effects), as in production.
 */
export class OverlayNode implements SimNode<OverlayMessage> {
  readonly name: string;
  readonly membership: HyParViewState<SimPeer>;
  readonly plumtree: PlumtreeSimNode;
  readonly handler: PullSetHandler;
  readonly flood: Flooder;
  private readonly net: SimNetwork<OverlayMessage>;
  private readonly rng: Rng;

  constructor(private readonly config: OverlayNodeConfig) {
    const { name, net } = config;
    this.name = name;
    this.net = net;
    this.rng = config.membershipRng;
    this.membership = createHyParView({ name }, config.membership);
    this.handler = new PullSetHandler(
      OVERLAY_HANDLER,
      name,
      config.exchange ? (peer) => this.startPull(peer) : undefined,
    );
    // The broadcast server starts alone; HyParView's view changes tell it its peers.
    const state = createPlumtreeState({
      node: name,
      members: [name],
      handlers: [OVERLAY_HANDLER],
      rng: config.plumtreeRng,
      options: config.plumtree,
    });
    const tracker = config.plumtreeTracker;
    this.plumtree = new PlumtreeSimNode(
      name,
      state,
      [this.handler],
      config.host,
      {
        broadcastStarted: (node, _handler, id, time) => tracker.started(id as string, node, time),
        delivered: (node, _handler, id, round, time) =>
          tracker.delivered(node, id as string, { hops: round + 1, time, via: 'push' }),
      },
      config.metrics,
    );
    this.flood = new Flooder(
      {
        name,
        now: () => net.now,
        neighbours: () => this.membership.active.keys(),
        sendFlood: (to, id, payload, hops) =>
          net.send(name, to, { layer: 'flood', id, payload, hops }),
      },
      config.floodTracker,
    );
  }

  /** Starts the HyParView core: it arms its timers, and rejoins through `known` peers if any. */
  startMembership(): void {
    const known = (this.config.known ?? []).map((name) => ({ name }));
    this.feedMembership({ type: 'start', known });
  }

  /** Arms Plumtree's periodic lazy and exchange ticks. */
  startBroadcast(
    phases: Pick<OverlayPhases, 'lazyMs' | 'exchangeMs'>,
    exchangeDurationMs: number,
  ): void {
    this.plumtree.start({
      lazyPhaseMs: phases.lazyMs,
      exchangePhaseMs: phases.exchangeMs,
      exchangeDurationMs,
    });
  }

  /** Joins the overlay through `contact`. */
  join(contact: string): void {
    this.feedMembership({ type: 'join', contact: { name: contact } });
  }

  /** The failure detector's verdict: `peer` is down. */
  peerDown(peer: string): void {
    this.feedMembership({ type: 'peerDown', peer });
    this.plumtree.feed({ type: 'peerDown', peer });
  }

  /** Broadcasts a Plumtree message from here; returns its id. */
  broadcast(payload: unknown = null): string {
    return this.plumtree.broadcast(OVERLAY_HANDLER, payload) as string;
  }

  /** Floods a baseline message from here; returns its id. */
  floodBroadcast(payload: unknown = null): string {
    return this.live() ? this.flood.broadcast(payload) : '';
  }

  /** Whether this node is the live incarnation of its name. */
  live(): boolean {
    return this.net.isCurrent(this);
  }

  receive(from: string, msg: OverlayMessage): void {
    switch (msg.layer) {
      case 'membership':
        this.feedMembership({ type: 'receive', from, msg: msg.msg });
        return;
      case 'plumtree':
        if (msg.msg.type === 'broadcast') {
          this.config.plumtreeTracker.received(msg.msg.id as string);
        }
        this.plumtree.receive(from, msg.msg);
        return;
      case 'flood':
        this.flood.receive(from, msg.id, msg.payload, msg.hops);
        return;
      case 'pull':
        this.net.send(this.name, from, {
          layer: 'pullReply',
          entries: this.handler.missingFrom(msg.have),
          want: this.handler.lacking(msg.have),
        });
        return;
      case 'pullReply':
        this.pulled(msg.entries);
        if (msg.want.length > 0) {
          this.net.send(this.name, from, {
            layer: 'push',
            entries: this.handler.entriesFor(msg.want),
          });
        }
        return;
      case 'push':
        this.pulled(msg.entries);
        return;
      default: {
        const never: never = msg;
        throw new Error(`unknown overlay message ${JSON.stringify(never)}`);
      }
    }
  }

  timer(key: string): void {
    const membershipKey = MEMBERSHIP_TIMER_BY_NAME.get(key);
    if (membershipKey !== undefined) {
      this.feedMembership({ type: 'timer', key: membershipKey });
      return;
    }
    const plumtreeKey = PLUMTREE_TIMER_KEYS.get(key);
    if (plumtreeKey !== undefined) {
      this.plumtree.timer(plumtreeKey);
      return;
    }
    // the core's per-message timers (grafts), named by message
    if (key.startsWith(PLUMTREE_TIMER)) this.plumtree.timer(key.slice(PLUMTREE_TIMER.length));
  }

  private feedMembership(event: HyParViewEvent<SimPeer>): void {
    if (!this.live()) return;
    const effects = stepHyParView(this.membership, event, { rng: this.rng });
    for (const effect of effects) this.execute(effect);
  }

  private execute(effect: HyParViewEffect<SimPeer>): void {
    switch (effect.type) {
      case 'send':
        if (this.net.isAlive(effect.to.name)) {
          this.net.send(this.name, effect.to.name, { layer: 'membership', msg: effect.msg });
        } else {
          this.reportDown(effect.to.name);
        }
        return;
      case 'connect':
        if (!this.net.isAlive(effect.peer.name)) this.reportDown(effect.peer.name);
        return;
      case 'disconnect':
        // No connection state in the simulator: the peer learns it from HyParView's own message.
        return;
      case 'activeViewChanged':
        this.plumtree.feed({ type: 'update', members: effect.active });
        return;
      case 'setTimer':
        this.net.setTimer(this.name, MEMBERSHIP_TIMER_NAMES[effect.key.type], effect.delayMs);
        return;
      case 'cancelTimer':
        this.net.cancelTimer(this.name, MEMBERSHIP_TIMER_NAMES[effect.key.type]);
        return;
      default: {
        const never: never = effect;
        throw new Error(`unknown HyParView effect ${JSON.stringify(never)}`);
      }
    }
  }

  private reportDown(peer: string): void {
    this.net.after(this.config.detectionMs, () => this.peerDown(peer));
  }

  private startPull(peer: string): void {
    this.net.send(this.name, peer, { layer: 'pull', have: this.handler.ids() });
  }

  private pulled(entries: readonly (readonly [string, unknown])[]): void {
    for (const [id, payload] of entries) {
      if (this.handler.merge(id, payload)) {
        this.config.plumtreeTracker.delivered(this.name, id, {
          hops: 0,
          time: this.net.now,
          via: 'exchange',
        });
      }
    }
  }
}

/**
 * The {@link PlumtreeHost} of every {@link OverlayNode} on `net`: plumtree messages
 * travel wrapped in the overlay envelope, and plumtree timers carry a prefix so the
 * overlay node can route them back.
 */
export function overlayPlumtreeHost(net: SimNetwork<OverlayMessage>): PlumtreeHost {
  // An eager push sends one message object to every eager peer in a row: they share
  // one envelope (read-only, like the message), one allocation per push, not per copy.
  let lastMsg: WireMessage | undefined;
  let lastEnvelope: OverlayMessage | undefined;
  const wrap = (msg: WireMessage): OverlayMessage => {
    if (msg !== lastMsg || lastEnvelope === undefined) {
      lastMsg = msg;
      lastEnvelope = { layer: 'plumtree', msg };
    }
    return lastEnvelope;
  };
  return {
    get now() {
      return net.now;
    },
    isAlive: (name) => net.isAlive(name),
    get: (name) => {
      const node = net.get(name);
      return node instanceof OverlayNode ? node.plumtree : undefined;
    },
    send: (from, to, msg: WireMessage) => net.send(from, to, wrap(msg)),
    setTimer: (node, key, delayMs) => net.setTimer(node, plumtreeTimerName(key), delayMs),
    cancelTimer: (node, key) => net.cancelTimer(node, plumtreeTimerName(key)),
    after: (delayMs, action) => net.after(delayMs, action),
  };
}
