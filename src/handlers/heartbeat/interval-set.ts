/**
 * A set of non-negative integers kept as sorted, disjoint, non-adjacent ranges. A
 * heartbeat counter stream seen in order is one range, so staleness costs a few
 * numbers per node however long the cluster runs.
 */
export class IntervalSet {
  /** Flattened [start0, end0, start1, end1, ...], inclusive, sorted. */
  private readonly r: number[] = [];

  /** The number of ranges held (a measure of memory, not of members). */
  get ranges(): number {
    return this.r.length / 2;
  }

  has(x: number): boolean {
    const i = this.find(x);
    return i >= 0 && x <= (this.r[i + 1] as number);
  }

  /** Adds `x`; false if it was already present. */
  add(x: number): boolean {
    if (!Number.isInteger(x) || x < 0)
      throw new RangeError(`interval set holds integers >= 0, got ${x}`);
    const i = this.find(x);
    if (i >= 0 && x <= (this.r[i + 1] as number)) return false;
    const joinsLeft = i >= 0 && this.r[i + 1] === x - 1;
    const next = i < 0 ? 0 : i + 2;
    const joinsRight = next < this.r.length && this.r[next] === x + 1;
    if (joinsLeft && joinsRight) this.r.splice(i + 1, 2);
    else if (joinsLeft) this.r[i + 1] = x;
    else if (joinsRight) this.r[next] = x;
    else this.r.splice(next, 0, x, x);
    return true;
  }

  /** Index of the start of the last range starting at or before `x`, or -1. */
  private find(x: number): number {
    let lo = 0;
    let hi = this.r.length / 2 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.r[mid * 2] as number) <= x) {
        found = mid * 2;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
