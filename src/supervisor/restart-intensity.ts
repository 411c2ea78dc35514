/**
 * OTP's restart intensity: at most `intensity` restarts within any `period` ms. The
 * window slides: restarts older than `period` no longer count.
 */
export class RestartIntensity {
  private readonly times: number[] = [];

  constructor(
    private readonly intensity: number,
    private readonly period: number,
  ) {
    if (!(Number.isInteger(intensity) && intensity >= 0)) {
      throw new RangeError(`intensity must be an integer >= 0, got ${intensity}`);
    }
    if (!(period > 0)) throw new RangeError(`period must be > 0 ms, got ${period}`);
  }

  /** Records a restart at `now`; false if that exceeds the intensity (the supervisor gives up). */
  add(now: number): boolean {
    this.times.push(now);
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.period)
      this.times.shift();
    return this.times.length <= this.intensity;
  }
}
