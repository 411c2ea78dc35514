/**
 * Dense numbers for the node names one tracker sees, so that a set of names can be
 * a bitmap: shared by every {@link HolderSet} of a tracker.
 */
export class NameIndex {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  /** The number of `name`, assigned on first sight. */
  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /** The number of `name` if it has one. */
  find(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** The name numbered `id`. */
  nameOf(id: number): string {
    return this.names[id] as string;
  }

  /** Names numbered so far. */
  get size(): number {
    return this.names.length;
  }
}

/**
 * A set of node names as a bitmap over a {@link NameIndex}: the nodes holding one
 * tracked message. A 1,000-node burst tracks 10,000 messages of 1,000 holders
 * each; as hash sets of strings they were a tenth of the heap, as bitmaps they are
 * 125 bytes a message. Iterates in name-number order.
 */
export class HolderSet implements Iterable<string> {
  private bits = new Uint8Array(0);
  private count = 0;

  constructor(private readonly index: NameIndex) {}

  /** Names in the set. */
  get size(): number {
    return this.count;
  }

  /** Adds `name`; returns whether it was new. */
  add(name: string): boolean {
    const id = this.index.idOf(name);
    const byte = id >> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, (this.index.size + 7) >> 3));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (id & 7);
    if (((this.bits[byte] as number) & mask) !== 0) return false;
    this.bits[byte] = (this.bits[byte] as number) | mask;
    this.count++;
    return true;
  }

  /** Whether `name` is in the set. */
  has(name: string): boolean {
    const id = this.index.find(name);
    if (id === undefined) return false;
    const byte = id >> 3;
    return byte < this.bits.length && ((this.bits[byte] as number) & (1 << (id & 7))) !== 0;
  }

  *[Symbol.iterator](): Iterator<string> {
    const { bits } = this;
    for (let byte = 0; byte < bits.length; byte++) {
      const b = bits[byte] as number;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((b & (1 << bit)) !== 0) yield this.index.nameOf(byte * 8 + bit);
      }
    }
  }
}
