import type { ActorRef } from '../actors/index.js';

/** When a child is restarted: always, only after a crash, or never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** How long a child gets for `terminate` when stopped: ms, none, or unbounded. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/** How a supervisor reacts to a child's exit. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';

/** One child of a supervisor, as OTP's child spec. */
export interface ChildSpec {
  /** Unique among the supervisor's children (simple_one_for_one: the template's id). */
  readonly id: string;
  /**
   * Spawns the child under `parent` (the supervisor) and returns its reference; the
   * supervisor waits for its `init`. simple_one_for_one passes `startChild`'s extra
   * arguments after `parent`.
   */
  readonly start: (parent: ActorRef, ...extra: unknown[]) => ActorRef | Promise<ActorRef>;
  /** Default `permanent`. */
  readonly restart?: RestartType;
  /** Default 5000 for workers, `infinity` for supervisors. */
  readonly shutdown?: Shutdown;
  /** Default `worker`. */
  readonly type?: 'worker' | 'supervisor';
}

/** A supervisor's configuration. */
export interface SupervisorSpec {
  readonly strategy: Strategy;
  /** Restarts allowed within `period` before the supervisor gives up. Default 1. */
  readonly intensity?: number;
  /** Window for `intensity`, ms. Default 5000. */
  readonly period?: number;
  /** Started in order; for simple_one_for_one exactly one template, started by `startChild`. */
  readonly children: readonly ChildSpec[];
  /** Register the supervisor under this name. */
  readonly name?: string;
}

/** A validated child spec with its defaults filled in. */
export interface ResolvedChildSpec extends ChildSpec {
  readonly restart: RestartType;
  readonly shutdown: Shutdown;
  readonly type: 'worker' | 'supervisor';
}

/** Thrown by `spawnSupervisor` and `startChild` for a spec that cannot be run. */
export class InvalidChildSpecError extends Error {
  override readonly name = 'InvalidChildSpecError';
}

/** Fills in defaults and checks the fields a caller may have got wrong. */
export function resolveChildSpec(spec: ChildSpec): ResolvedChildSpec {
  if (typeof spec.id !== 'string' || spec.id.length === 0) {
    throw new InvalidChildSpecError('child spec needs a non-empty string id');
  }
  if (typeof spec.start !== 'function') {
    throw new InvalidChildSpecError(`child ${spec.id}: start must be a function`);
  }
  const type = spec.type ?? 'worker';
  const restart = spec.restart ?? 'permanent';
  if (!['permanent', 'transient', 'temporary'].includes(restart)) {
    throw new InvalidChildSpecError(`child ${spec.id}: unknown restart type ${String(restart)}`);
  }
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : 5000);
  if (typeof shutdown === 'number' && !(shutdown >= 0)) {
    throw new InvalidChildSpecError(`child ${spec.id}: shutdown must be >= 0 ms`);
  }
  return { ...spec, type, restart, shutdown };
}
