/** `startChild` with an id a running child already has. */
export class ChildAlreadyStartedError extends Error {
  override readonly name = 'ChildAlreadyStartedError';
  constructor(readonly childId: string) {
    super(`child ${childId} is already started`);
  }
}

/** `startChild` with an id whose (stopped) spec is still present. */
export class ChildAlreadyPresentError extends Error {
  override readonly name = 'ChildAlreadyPresentError';
  constructor(readonly childId: string) {
    super(`child ${childId} is already present; restartChild or deleteChild it`);
  }
}

/** No child with that id or reference. */
export class ChildNotFoundError extends Error {
  override readonly name = 'ChildNotFoundError';
  constructor(readonly childId: string) {
    super(`no child ${childId}`);
  }
}

/** `restartChild` or `deleteChild` of a child that is running. */
export class ChildRunningError extends Error {
  override readonly name = 'ChildRunningError';
  constructor(readonly childId: string) {
    super(`child ${childId} is running`);
  }
}

/** A child's `start` failed; `cause` is its error. */
export class ChildStartError extends Error {
  override readonly name = 'ChildStartError';
  constructor(
    readonly childId: string,
    cause: unknown,
  ) {
    super(
      `child ${childId} failed to start: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** The dynamic API was used in a way the strategy does not allow. */
export class SupervisorUsageError extends Error {
  override readonly name = 'SupervisorUsageError';
}
