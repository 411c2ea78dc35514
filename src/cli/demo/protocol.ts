/** Messages between the demo and its node processes (over the child-process IPC channel). */

/** From the demo to a node process. */
export type DemoRequest =
  | {
      readonly seq: number;
      readonly cmd: 'start';
      readonly name: string;
      readonly secret: string;
      readonly lazyTickMs: number;
      /** Also serve the admin API and dashboard on a free loopback port. */
      readonly admin: boolean;
    }
  | { readonly seq: number; readonly cmd: 'join'; readonly seed: string }
  | { readonly seq: number; readonly cmd: 'members' }
  | { readonly seq: number; readonly cmd: 'broadcast'; readonly id: string }
  | {
      readonly seq: number;
      readonly cmd: 'tree';
      readonly root: string;
      readonly nodes: readonly string[];
    }
  | { readonly seq: number; readonly cmd: 'stop' };

/** From a node process to the demo. */
export type DemoReport =
  | {
      readonly ev: 'reply';
      readonly seq: number;
      readonly value?: unknown;
      readonly error?: string;
    }
  /** A payload reached this node: `isNew` false is a redundant copy. `origin` marks the sender's own delivery. */
  | {
      readonly ev: 'merge';
      readonly id: string;
      readonly isNew: boolean;
      readonly origin: boolean;
      readonly at: number;
    };
