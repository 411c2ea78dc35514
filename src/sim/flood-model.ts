import type { DeliveryTracker } from './delivery-tracker.js';

/**
 * The overlay as the flooding baseline sees it at one instant: each node's
 * neighbours (its active view) with the latency of each link, and which nodes are up.
 */
export interface FloodGraph {
  /** Node names by index. */
  readonly names: readonly string[];
  /** Whether node i is up (a copy sent to a crashed node is lost). */
  readonly alive: readonly boolean[];
  /** Neighbours of node i, in the order its active view lists them. */
  readonly neighbours: readonly (readonly number[])[];
  /** `latencies[i][k]`: latency in ms of the link from i to `neighbours[i][k]`. */
  readonly latencies: readonly (readonly number[])[];
}

/** What one modelled flood did: the counts the simulated network would have kept. */
export interface FloodOutcome {
  /** Flood messages sent (every forward, to crashed nodes too). */
  readonly sends: number;
}

/**
 * The flooding baseline computed instead of simulated: a flood's first copies
 * follow the shortest-latency paths, so one Dijkstra run over the overlay gives
 * every node's delivery time and hop count, and the copies are counted as they
 * are sent (each delivering node forwards to all its neighbours but the one it
 * heard from). Ties resolve as the simulator's event queue does (earliest
 * scheduled first), and arrival times are summed in the same order, so at a
 * fixed overlay the tracker ends up exactly as after the simulated flood
 * (`Flooder`) with the network run to `horizon`: copies arriving after it are
 * not counted, nodes reached after it have not delivered.
 *
 * It reads the overlay once, when the flood starts; the simulated flood reads a
 * node's view when the copy reaches it, so the two differ if views change while
 * a flood is under way (they do not in the round scenarios, which have no
 * failures).
 */
export class FloodModel {
  private readonly n: number;
  private readonly dist: Float64Array;
  private readonly hops: Int32Array;
  private readonly from: Int32Array;
  private readonly done: Uint8Array;
  // The pending first-copy candidates, a binary heap of (time, seq, node).
  private heapTime = new Float64Array(64);
  private heapSeq = new Float64Array(64);
  private heapNode = new Int32Array(64);
  private heapSize = 0;
  private seq = 0;

  constructor(private readonly graph: FloodGraph) {
    this.n = graph.names.length;
    this.dist = new Float64Array(this.n);
    this.hops = new Int32Array(this.n);
    this.from = new Int32Array(this.n);
    this.done = new Uint8Array(this.n);
  }

  /**
   * Floods `id` from node `origin` at time `start`, reporting to `tracker` every
   * delivery and every copy received up to time `horizon`.
   */
  flood(
    id: string,
    origin: number,
    start: number,
    horizon: number,
    tracker: DeliveryTracker,
  ): FloodOutcome {
    const { names, alive, neighbours, latencies } = this.graph;
    this.dist.fill(Number.POSITIVE_INFINITY);
    this.done.fill(0);
    this.heapSize = 0;
    tracker.started(id, names[origin] as string, start);
    let sends = 0;
    let received = 0;
    this.dist[origin] = start;
    this.hops[origin] = 0;
    this.from[origin] = -1;
    this.done[origin] = 1;
    let current = origin;
    let time = start;
    for (;;) {
      // `current` delivered at `time`: it forwards to every neighbour but its sender.
      const hops = this.hops[current] as number;
      const sender = this.from[current] as number;
      const ns = neighbours[current] as readonly number[];
      const ls = latencies[current] as readonly number[];
      for (let k = 0; k < ns.length; k++) {
        const v = ns[k] as number;
        if (v === sender) continue;
        sends++;
        if (!alive[v]) continue;
        const at = time + (ls[k] as number);
        if (at > horizon) continue;
        received++;
        // Strictly earlier only: an equal arrival scheduled before this one wins the tie.
        if (this.done[v] === 0 && at < (this.dist[v] as number)) {
          this.dist[v] = at;
          this.hops[v] = hops + 1;
          this.from[v] = current;
          this.push(at, v);
        }
      }
      let next = -1;
      while (this.heapSize > 0) {
        const t = this.heapTime[0] as number;
        const v = this.pop();
        if (this.done[v] === 0 && t === this.dist[v]) {
          next = v;
          time = t;
          break;
        }
      }
      if (next < 0) break;
      current = next;
      this.done[current] = 1;
      tracker.delivered(names[current] as string, id, {
        hops: this.hops[current] as number,
        time,
        via: 'push',
      });
    }
    const m = tracker.get(id);
    if (m !== undefined) m.payloadsReceived += received;
    return { sends };
  }

  private push(time: number, node: number): void {
    if (this.heapSize === this.heapTime.length) this.grow();
    let i = this.heapSize++;
    const seq = this.seq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.heapTime[p] as number;
      if (pt < time || (pt === time && (this.heapSeq[p] as number) < seq)) break;
      this.heapTime[i] = pt;
      this.heapSeq[i] = this.heapSeq[p] as number;
      this.heapNode[i] = this.heapNode[p] as number;
      i = p;
    }
    this.heapTime[i] = time;
    this.heapSeq[i] = seq;
    this.heapNode[i] = node;
  }

  private pop(): number {
    const top = this.heapNode[0] as number;
    const last = --this.heapSize;
    const t = this.heapTime[last] as number;
    const s = this.heapSeq[last] as number;
    const nd = this.heapNode[last] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last) {
        const lt = this.heapTime[l] as number;
        const rt = this.heapTime[r] as number;
        if (rt < lt || (rt === lt && (this.heapSeq[r] as number) < (this.heapSeq[l] as number)))
          c = r;
      }
      const ct = this.heapTime[c] as number;
      if (t < ct || (t === ct && s < (this.heapSeq[c] as number))) break;
      this.heapTime[i] = ct;
      this.heapSeq[i] = this.heapSeq[c] as number;
      this.heapNode[i] = this.heapNode[c] as number;
      i = c;
    }
    this.heapTime[i] = t;
    this.heapSeq[i] = s;
    this.heapNode[i] = nd;
    return top;
  }

  private grow(): void {
    const size = this.heapTime.length * 2;
    const time = new Float64Array(size);
    const seq = new Float64Array(size);
    const node = new Int32Array(size);
    time.set(this.heapTime);
    seq.set(this.heapSeq);
    node.set(this.heapNode);
    this.heapTime = time;
    this.heapSeq = seq;
    this.heapNode = node;
  }
}
