/**
 * A min-priority queue of items keyed by time, then by insertion order, so items
 * due at the same time come out first-in first-out and runs are deterministic.
 *
 * A four-ary heap whose keys live in typed arrays (grown by doubling) and whose
 * sifts move a hole instead of swapping: a 1,000-node burst keeps millions of
 * messages queued at once, and with keys in plain arrays of boxed numbers the
 * sift was the simulator's largest single cost (cache misses on every level). Four
 * children per node halve the levels a pop walks down (a 100,000-node run keeps
 * 300,000 events queued, mostly timers: 18 levels of a binary heap), and a node's children share
 * one cache line of each key array. The order is the same total order whatever the
 * arity: (time, insertion), insertion counters being unique.
 */
export class EventQueue<T> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private items: (T | undefined)[] = [];
  private count = 0;
  private nextSeq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.count;
  }

  /** Queues `item` at `time`. */
  push(time: number, item: T): void {
    if (this.count === this.times.length) this.grow();
    const seq = this.nextSeq++;
    const { times, seqs, items } = this;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  /** The time of the next item, or undefined when empty. */
  peekTime(): number | undefined {
    return this.count === 0 ? undefined : this.times[0];
  }

  /** Removes and returns the next item (undefined when empty). */
  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const { times, seqs, items } = this;
    const top = items[0];
    const m = --this.count;
    const time = times[m] as number;
    const seq = seqs[m] as number;
    const item = items[m];
    items[m] = undefined;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= m) break;
      // The least of up to four children.
      let c = first;
      let tc = times[first] as number;
      let sc = seqs[first] as number;
      const last = Math.min(first + 4, m);
      for (let k = first + 1; k < last; k++) {
        const tk = times[k] as number;
        if (tk < tc || (tk === tc && (seqs[k] as number) < sc)) {
          c = k;
          tc = tk;
          sc = seqs[k] as number;
        }
      }
      if (time < tc || (time === tc && seq < sc)) break;
      times[i] = tc;
      seqs[i] = sc;
      items[i] = items[c];
      i = c;
    }
    if (m > 0) {
      times[i] = time;
      seqs[i] = seq;
      items[i] = item;
    }
    if (m === 0) items.length = 0;
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
