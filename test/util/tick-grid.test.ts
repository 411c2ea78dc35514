import { describe, expect, it } from 'vitest';
import { TickGrid } from '../../src/util/tick-grid.js';

/** A grid on a clock the test moves; its process timer still runs on the real clock. */
function gridAt(start: number, gridMs: number) {
  const clock = { now: start };
  const grid = new TickGrid(gridMs, () => clock.now);
  return { grid, clock };
}

describe('TickGrid', () => {
  it('rounds a delay up to the next grid instant', () => {
    const { grid } = gridAt(10_250, 1000);
    expect(grid.delayTo(0)).toBe(750);
    expect(grid.delayTo(700)).toBe(750);
    expect(grid.delayTo(800)).toBe(1750);
  });

  it('counts a deadline a hair before an instant as on it', () => {
    const { grid } = gridAt(10_000, 1000);
    // an instant computed through another clock's offset can miss by an ulp
    expect(grid.delayTo(1000 + 1e-7)).toBeCloseTo(1000, 6);
  });

  it('puts entries due within one step on the same instant', () => {
    const { grid } = gridAt(5_100, 1000);
    const a = grid.after(200, () => {});
    const b = grid.after(850, () => {});
    const c = grid.after(950, () => {});
    expect([a.slot, b.slot, c.slot]).toEqual([6000, 6000, 7000]);
    grid.cancel(a);
    grid.cancel(b);
    grid.cancel(c);
  });

  it('runs every entry of an instant in one timer callback, and not a cancelled one', async () => {
    const grid = new TickGrid(20);
    const ran: string[] = [];
    const done = new Promise<void>((resolve) => {
      grid.after(1, () => ran.push('a'));
      const b = grid.after(1, () => ran.push('b'));
      grid.after(1, () => {
        ran.push('c');
        resolve();
      });
      grid.cancel(b);
    });
    await done;
    expect(ran).toEqual(['a', 'c']);
  });

  it('runs an entry added by a callback at a later instant', async () => {
    const grid = new TickGrid(10);
    const at: number[] = [];
    await new Promise<void>((resolve) => {
      grid.after(0, () => {
        at.push(performance.now());
        grid.after(15, () => {
          at.push(performance.now());
          resolve();
        });
      });
    });
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(14);
  });

  it('refuses a step that is not a positive number', () => {
    expect(() => new TickGrid(0)).toThrow(RangeError);
    expect(() => new TickGrid(Number.NaN)).toThrow(RangeError);
  });
});
