import type { Rng } from '../util/rng.js';
import type { FaultDecision, FaultModel, SendInfo } from './network.js';

/** Probabilities of independent per-message faults. */
export interface RandomFaultRates {
  /** Probability that a message is lost. */
  readonly loss?: number;
  /** Probability that a message arrives twice. */
  readonly duplicate?: number;
  /** Each message gets an extra delay uniform in [0, jitterMs]: reorders messages on a link. */
  readonly jitterMs?: number;
  /** Faults only apply to sends before this time (ms), so a run can heal and settle. */
  readonly until?: number;
}

/** Independent random faults drawn from `rng`. */
export function randomFaults<M>(rates: RandomFaultRates, rng: Rng): FaultModel<M> {
  const { loss = 0, duplicate = 0, jitterMs = 0, until = Number.POSITIVE_INFINITY } = rates;
  return {
    decide(send: SendInfo<M>): FaultDecision | undefined {
      if (send.time >= until) return undefined;
      return {
        drop: loss > 0 && rng.next() < loss,
        duplicate: duplicate > 0 && rng.next() < duplicate,
        extraDelayMs: jitterMs > 0 ? rng.next() * jitterMs : 0,
      };
    },
  };
}

/** Faults aimed at particular sends, by their sequence number: readable counterexamples. */
export interface ScriptedFaults {
  /** Sequence numbers of sends to lose. */
  readonly drop?: Iterable<number>;
  /** Sequence numbers of sends to deliver twice. */
  readonly duplicate?: Iterable<number>;
  /** Extra delay per send, uniform in [0, jitterMs], from `rng`. */
  readonly jitterMs?: number;
}

/** A fault model that loses and duplicates exactly the listed sends. */
export function scriptedFaults<M>(script: ScriptedFaults, rng: Rng): FaultModel<M> {
  const drop = new Set(script.drop ?? []);
  const duplicate = new Set(script.duplicate ?? []);
  const jitterMs = script.jitterMs ?? 0;
  return {
    decide(send: SendInfo<M>): FaultDecision {
      return {
        drop: drop.has(send.seq),
        duplicate: duplicate.has(send.seq),
        extraDelayMs: jitterMs > 0 ? rng.next() * jitterMs : 0,
      };
    },
  };
}

/** Applies several models to each send: dropped if any drops, delays add up. */
export function combineFaults<M>(...models: FaultModel<M>[]): FaultModel<M> {
  return {
    decide(send: SendInfo<M>): FaultDecision {
      let drop = false;
      let duplicate = false;
      let extraDelayMs = 0;
      for (const m of models) {
        const d = m.decide(send);
        if (d === undefined) continue;
        drop ||= d.drop === true;
        duplicate ||= d.duplicate === true;
        extraDelayMs += d.extraDelayMs ?? 0;
      }
      return { drop, duplicate, extraDelayMs };
    },
  };
}
