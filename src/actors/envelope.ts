/**
 * Messages the runtime itself puts in a mailbox. A class, so one `instanceof` tells
 * them apart from the user's plain messages, which go to `handleCast` untouched: a
 * cast costs nothing over nact's own `dispatch`.
 */
export type EnvelopeKind = 'init' | 'call' | 'info' | 'stop';

/** @internal */
export class Envelope {
  constructor(
    readonly kind: EnvelopeKind,
    readonly body: unknown,
    readonly from?: unknown,
  ) {}
}
