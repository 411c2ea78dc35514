/**
 * A min-priority queue of items keyed by time, then by insertion order, so items
 * due at the same time come out first-in first-out and runs are deterministic.
 *
 * A binary heap whose keys live in typed arrays (grown by doubling) and whose
 * sifts move a hole instead of swapping: a 1,000-node burst keeps millions of
 * messages queued at once, and with keys in plain arrays of boxed numbers the
 * sift was the simulator's largest single cost (cache misses on every level).
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
      const parent = (i - 1) >> 1;
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
      const l = 2 * i + 1;
      if (l >= m) break;
      let c = l;
      const r = l + 1;
      if (r < m) {
        const tr = times[r] as number;
        const tl = times[l] as number;
        if (tr < tl || (tr === tl && (seqs[r] as number) < (seqs[l] as number))) c = r;
      }
      const tc = times[c] as number;
      if (time < tc || (time === tc && seq < (seqs[c] as number))) break;
      times[i] = tc;
      seqs[i] = seqs[c] as number;
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
