import {
  createPlumtreeState,
  type HandlerName,
  type PlumtreeOptions,
  type PlumtreeState,
} from '../broadcast/core/index.js';
import {
  createHyParView,
  type FullMembershipEffect,
  type FullMembershipOptions,
  type FullMembershipState,
  fullMembershipOptions,
  type HyParViewOptions,
  type HyParViewState,
  initFullMembership,
  type MembershipStateData,
  membersOf,
  type NodeSpec,
} from '../peer-service/core/index.js';
import type { Rng } from '../util/rng.js';

/** Which peer service a node runs. */
export type Overlay = 'full' | 'hyparview';

/** The membership half of a composed node. */
export type MembershipLayer =
  | {
      readonly overlay: 'full';
      readonly core: FullMembershipState;
      readonly options: FullMembershipOptions;
      /** The core's `version` last handed out in a `persist` effect. */
      savedVersion: number;
    }
  | {
      readonly overlay: 'hyparview';
      readonly core: HyParViewState<NodeSpec>;
      readonly rng: Rng;
      /** The join seeds given at start (the command line's `--join`). */
      readonly seeds: readonly NodeSpec[];
      /** The known peers last handed out in a `persistPeers` effect (names, joined). */
      savedPeers: string;
    };

/**
 * One node's whole protocol state: its peer service and its broadcast server, as
 * iroh-gossip's `proto::topic::State { swarm, gossip }`. Owned by one host; `step`
 * mutates it in place.
 */
export interface NodeCoreState {
  readonly self: NodeSpec;
  readonly membership: MembershipLayer;
  readonly plumtree: PlumtreeState;
  /** Peers with an established channel, as the channel layer reported them. */
  readonly connected: Set<string>;
  /** The last member list handed to the Plumtree layer (sorted, joined), to skip repeats. */
  lastView: string;
}

/** What a composed node starts from. */
export interface NodeCoreConfig {
  readonly self: NodeSpec;
  readonly overlay: Overlay;
  /** Clock at start (full membership issues its incarnation from it). */
  readonly now: number;
  readonly handlers: readonly HandlerName[];
  readonly plumtreeRng: Rng;
  readonly membershipRng: Rng;
  readonly plumtree?: Partial<PlumtreeOptions>;
  readonly fullMembership?: Partial<FullMembershipOptions>;
  readonly hyparview?: Partial<HyParViewOptions>;
  /** Full membership: the membership file saved by a previous run. */
  readonly restored?: MembershipStateData | undefined;
  /** HyParView: who to join through again after isolation. */
  readonly seeds?: readonly NodeSpec[];
  /** HyParView: the known peers saved by a previous run (the views file); tried first. */
  readonly knownPeers?: readonly NodeSpec[] | undefined;
}

/**
 * The parts of a new node, before its start effects are computed (see `createNodeCore`
 * in step.ts, which also arms the periodic timers).
 * @internal
 */
export function initialState(config: NodeCoreConfig): {
  state: NodeCoreState;
  fullEffects: FullMembershipEffect[];
} {
  let membership: MembershipLayer;
  let fullEffects: FullMembershipEffect[] = [];
  let members: string[];
  if (config.overlay === 'full') {
    const init = initFullMembership({
      spec: config.self,
      now: config.now,
      restored: config.restored,
    });
    fullEffects = init.effects;
    members = membersOf(init.state);
    membership = {
      overlay: 'full',
      core: init.state,
      options: fullMembershipOptions(config.fullMembership),
      savedVersion: -1,
    };
  } else {
    members = [config.self.name];
    membership = {
      overlay: 'hyparview',
      core: createHyParView<NodeSpec>(config.self, config.hyparview),
      rng: config.membershipRng,
      seeds: (config.seeds ?? []).filter((s) => s.name !== config.self.name),
      savedPeers: '',
    };
  }
  // Production starts the broadcast server from the peer service's members at start.
  const plumtree = createPlumtreeState({
    node: config.self.name,
    members,
    handlers: config.handlers,
    rng: config.plumtreeRng,
    ...(config.plumtree ? { options: config.plumtree } : {}),
  });
  return {
    state: {
      self: config.self,
      membership,
      plumtree,
      connected: new Set(),
      lastView: [...members].sort().join('\u0000'),
    },
    fullEffects,
  };
}
