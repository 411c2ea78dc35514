import { type ChannelTable, resolveChannel } from './channel-table.js';
import type { MessageKey } from './envelope.js';
import { QueueFullError } from './errors.js';
import { DEFAULT_CHANNEL } from './node-spec.js';
import { laneForKey } from './partition.js';

/** Default byte bound of one peer's outgoing queue (64 MiB). */
export const DEFAULT_MAX_QUEUE_BYTES = 64 * 1024 * 1024;

/** Construction options of an {@link OutgoingQueue}. */
export interface OutgoingQueueOptions {
  /** The channels towards this peer; must hold the default channel. */
  readonly channels: ChannelTable;
  /** Most bytes queued at once, over all channels and lanes. */
  readonly maxBytes?: number;
}

/** A frame to queue. */
export interface EnqueueRequest {
  /** Unknown channels fall back to the default channel. */
  readonly channel: string;
  /** The encoded frame; its length is what counts against the bound. */
  readonly bytes: Uint8Array;
  /** Chooses the lane (`key mod parallelism`), keeping per-key order. */
  readonly partitionKey?: MessageKey;
  /**
   * On a monotonic channel, a later frame with the same key replaces this one while it
   * is still queued. Also chooses the lane when no partition key is given, so that
   * successive values of one key never overtake each other on different lanes.
   */
  readonly monotonicKey?: MessageKey;
}

/** Where a frame was queued. */
export interface EnqueueReceipt {
  /** The channel actually used, after fallback. */
  readonly channel: string;
  readonly lane: number;
  /** True when an older frame with the same monotonic key was removed. */
  readonly replaced: boolean;
}

/** A queued frame, as handed back for sending. */
export interface QueuedFrame {
  readonly channel: string;
  readonly lane: number;
  readonly bytes: Uint8Array;
}

/** A lane that has frames waiting. */
export interface LaneRef {
  readonly channel: string;
  readonly lane: number;
}

/** Counters and levels of a queue. */
export interface QueueStats {
  readonly maxBytes: number;
  readonly queuedBytes: number;
  readonly queuedFrames: number;
  /** Frames accepted by `push`. */
  readonly enqueued: number;
  /** Frames removed because a newer frame with the same monotonic key arrived. */
  readonly replaced: number;
  readonly replacedBytes: number;
  /** Pushes refused with {@link QueueFullError}. */
  readonly rejected: number;
  readonly rejectedBytes: number;
  /** Frames thrown away by `clear` (the peer left, or the queue was abandoned). */
  readonly dropped: number;
  readonly droppedBytes: number;
}

interface Node {
  readonly channel: string;
  readonly bytes: Uint8Array;
  readonly size: number;
  /** Push order over the whole queue; `reconfigure` replays frames in this order. */
  readonly seq: number;
  readonly partitionKey: MessageKey | undefined;
  readonly monotonicKey: MessageKey | undefined;
  lane: number;
  prev: Node | undefined;
  next: Node | undefined;
}

/**
 * A doubly linked FIFO: monotonic replacement removes from the middle, and an array
 * would either shift on every removal or keep tombstones that grow without bound
 * while one key is updated over and over during an outage.
 */
class Lane {
  head: Node | undefined;
  tail: Node | undefined;
  length = 0;
  bytes = 0;

  append(node: Node): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    this.length++;
    this.bytes += node.size;
  }

  remove(node: Node): void {
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
    this.length--;
    this.bytes -= node.size;
  }
}

/**
 * One peer's outgoing frames while they wait for a connection or for the socket to
 * drain. Bounded in bytes: a push that would exceed the bound is refused with a
 * {@link QueueFullError} and nothing already queued is dropped to make room. FIFO per
 * (channel, lane); a lane is one connection. Pure: no sockets, no timers.
 */
export class OutgoingQueue {
  readonly maxBytes: number;
  private table: ChannelTable;
  private lanes = new Map<string, Lane[]>();
  private roundRobin = new Map<string, number>();
  private monotonicIndex = new Map<string, Map<MessageKey, Node>>();
  private queuedBytes = 0;
  private queuedFrames = 0;
  private seq = 0;
  private counters = {
    enqueued: 0,
    replaced: 0,
    replacedBytes: 0,
    rejected: 0,
    rejectedBytes: 0,
    dropped: 0,
    droppedBytes: 0,
  };

  constructor(options: OutgoingQueueOptions) {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`queue maxBytes must be a positive integer (got ${maxBytes})`);
    }
    this.maxBytes = maxBytes;
    this.table = checkedTable(options.channels);
    this.buildLanes();
  }

  /** Bytes queued now. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** Frames queued now. */
  get length(): number {
    return this.queuedFrames;
  }

  /**
   * Queues a frame on its lane.
   *
   * @throws QueueFullError when the queue would exceed `maxBytes`; the queue is then
   *   exactly as it was (an older frame with the same monotonic key stays queued).
   */
  push(request: EnqueueRequest): EnqueueReceipt {
    const channel = resolveChannel(this.table, request.channel);
    const spec = this.table[channel];
    if (spec === undefined) throw new Error(`channel table lost channel ${channel}`);
    const size = request.bytes.byteLength;
    const monotonicKey = spec.monotonic ? request.monotonicKey : undefined;
    const older =
      monotonicKey === undefined ? undefined : this.monotonicIndex.get(channel)?.get(monotonicKey);
    const freed = older?.size ?? 0;
    if (this.queuedBytes - freed + size > this.maxBytes) {
      this.counters.rejected++;
      this.counters.rejectedBytes += size;
      throw new QueueFullError(channel, this.maxBytes, this.queuedBytes, size);
    }
    if (older !== undefined) {
      this.unlink(older);
      this.counters.replaced++;
      this.counters.replacedBytes += older.size;
    }
    const node: Node = {
      channel,
      bytes: request.bytes,
      size,
      seq: this.seq++,
      partitionKey: request.partitionKey,
      monotonicKey,
      lane: 0,
      prev: undefined,
      next: undefined,
    };
    this.place(node, spec.parallelism);
    this.counters.enqueued++;
    return { channel, lane: node.lane, replaced: older !== undefined };
  }

  /**
   * The lane a frame takes, without queueing it: its channel after fallback, and the
   * lane of its key, or else the next round-robin turn (which this call uses up). For
   * a sender that writes a frame straight to its socket while nothing is queued, so
   * that lanes are chosen exactly as `push` would.
   */
  route(request: Omit<EnqueueRequest, 'bytes'>): LaneRef {
    const channel = resolveChannel(this.table, request.channel);
    const spec = this.table[channel];
    if (spec === undefined) throw new Error(`channel table lost channel ${channel}`);
    const key = request.partitionKey ?? (spec.monotonic ? request.monotonicKey : undefined);
    const lane =
      key === undefined
        ? this.nextTurn(channel, spec.parallelism)
        : laneForKey(key, spec.parallelism);
    return { channel, lane };
  }

  /** The next frame of a lane, left in place. */
  peek(channel: string, lane: number): QueuedFrame | undefined {
    const head = this.lane(channel, lane)?.head;
    return head === undefined ? undefined : view(head);
  }

  /** Removes and returns the next frame of a lane. */
  shift(channel: string, lane: number): QueuedFrame | undefined {
    const head = this.lane(channel, lane)?.head;
    if (head === undefined) return undefined;
    this.unlink(head);
    return view(head);
  }

  /**
   * Removes frames from the front of a lane while `budgetBytes` is not used up, for
   * topping up a socket to its high-water mark (`budget = highWater - bufferedAmount`).
   * The last frame taken may overshoot the budget, so a frame larger than the budget
   * still goes out once the socket has drained; nothing is taken for a budget <= 0.
   */
  take(channel: string, lane: number, budgetBytes: number): QueuedFrame[] {
    const out: QueuedFrame[] = [];
    const queue = this.lane(channel, lane);
    let budget = budgetBytes;
    while (queue?.head !== undefined && budget > 0) {
      const head = queue.head;
      this.unlink(head);
      out.push(view(head));
      budget -= head.size;
    }
    return out;
  }

  /** Frames waiting on one lane. */
  laneLength(channel: string, lane: number): number {
    return this.lane(channel, lane)?.length ?? 0;
  }

  /** Bytes waiting on one lane. */
  laneBytes(channel: string, lane: number): number {
    return this.lane(channel, lane)?.bytes ?? 0;
  }

  /** Every lane with frames waiting, channels in table order. */
  pendingLanes(): LaneRef[] {
    const out: LaneRef[] = [];
    for (const [channel, lanes] of this.lanes) {
      lanes.forEach((queue, lane) => {
        if (queue.length > 0) out.push({ channel, lane });
      });
    }
    return out;
  }

  /** Throws every queued frame away, counting them as dropped; returns how many. */
  clear(): number {
    const frames = this.queuedFrames;
    this.counters.dropped += frames;
    this.counters.droppedBytes += this.queuedBytes;
    this.buildLanes();
    return frames;
  }

  /**
   * Switches to another channel table (for example the one negotiated with the peer
   * after the handshake). Queued frames are routed again in their original push order,
   * so per-lane FIFO and per-key order still hold; frames of a channel the new table
   * lacks fall back to the default channel, where monotonic replacement no longer
   * applies to them.
   */
  reconfigure(channels: ChannelTable): void {
    const table = checkedTable(channels);
    const nodes: Node[] = [];
    for (const lanes of this.lanes.values()) {
      for (const queue of lanes) {
        for (let node = queue.head; node !== undefined; node = node.next) nodes.push(node);
      }
    }
    nodes.sort((a, b) => a.seq - b.seq);
    this.table = table;
    this.buildLanes();
    for (const old of nodes) {
      const channel = resolveChannel(table, old.channel);
      const spec = table[channel];
      if (spec === undefined) throw new Error(`channel table lost channel ${channel}`);
      const keepKey = channel === old.channel && spec.monotonic ? old.monotonicKey : undefined;
      this.place(
        { ...old, channel, monotonicKey: keepKey, prev: undefined, next: undefined },
        spec.parallelism,
      );
    }
  }

  /** A snapshot of levels and counters. */
  stats(): QueueStats {
    return {
      maxBytes: this.maxBytes,
      queuedBytes: this.queuedBytes,
      queuedFrames: this.queuedFrames,
      ...this.counters,
    };
  }

  private buildLanes(): void {
    this.lanes = new Map();
    this.monotonicIndex = new Map();
    this.queuedBytes = 0;
    this.queuedFrames = 0;
    for (const [name, spec] of Object.entries(this.table)) {
      this.lanes.set(
        name,
        Array.from({ length: spec.parallelism }, () => new Lane()),
      );
      if (!this.roundRobin.has(name)) this.roundRobin.set(name, 0);
    }
  }

  private lane(channel: string, lane: number): Lane | undefined {
    return this.lanes.get(channel)?.[lane];
  }

  /** Chooses the node's lane, appends it there and indexes its monotonic key. */
  private place(node: Node, parallelism: number): void {
    const routingKey = node.partitionKey ?? node.monotonicKey;
    if (routingKey !== undefined) {
      node.lane = laneForKey(routingKey, parallelism);
    } else {
      node.lane = this.nextTurn(node.channel, parallelism);
    }
    const queue = this.lane(node.channel, node.lane);
    if (queue === undefined) throw new Error(`no lane ${node.lane} on channel ${node.channel}`);
    queue.append(node);
    this.queuedBytes += node.size;
    this.queuedFrames++;
    if (node.monotonicKey !== undefined) {
      let index = this.monotonicIndex.get(node.channel);
      if (index === undefined) {
        index = new Map();
        this.monotonicIndex.set(node.channel, index);
      }
      index.set(node.monotonicKey, node);
    }
  }

  private nextTurn(channel: string, parallelism: number): number {
    const turn = this.roundRobin.get(channel) ?? 0;
    this.roundRobin.set(channel, (turn + 1) % parallelism);
    return turn % parallelism;
  }

  private unlink(node: Node): void {
    this.lane(node.channel, node.lane)?.remove(node);
    this.queuedBytes -= node.size;
    this.queuedFrames--;
    if (node.monotonicKey !== undefined) {
      const index = this.monotonicIndex.get(node.channel);
      if (index?.get(node.monotonicKey) === node) index.delete(node.monotonicKey);
    }
  }
}

function view(node: Node): QueuedFrame {
  return { channel: node.channel, lane: node.lane, bytes: node.bytes };
}

function checkedTable(table: ChannelTable): ChannelTable {
  if (!Object.hasOwn(table, DEFAULT_CHANNEL)) {
    throw new RangeError(`channel table must hold the ${DEFAULT_CHANNEL} channel`);
  }
  return table;
}
