import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/channels/close-codes.js';
import { decodeFrame, encodeFrame } from '../../src/channels/codec.js';
import { type Envelope, frame } from '../../src/channels/envelope.js';
import { HandshakeError } from '../../src/channels/errors.js';
import {
  type AcceptorConfig,
  type DialerConfig,
  type HandshakeAuth,
  type HandshakeOutcome,
  type HandshakeState,
  PROTOCOL_VERSION,
  startHandshake,
  stepHandshake,
} from '../../src/channels/handshake.js';
import { computeProof, type Transcript } from '../../src/channels/handshake-proof.js';
import { type NodeSpec, validateNodeSpec } from '../../src/channels/node-spec.js';
import { nameArb } from './arbitraries.js';

const specOf = (name: string): NodeSpec =>
  validateNodeSpec({
    name,
    listenAddrs: [{ port: 9000 }],
    channels: [{ name: 'gossip', parallelism: 2 }],
  });

const nonce = (fill: number): Uint8Array => Buffer.alloc(32, fill);
const secret = (s: string): HandshakeAuth => ({ mode: 'secret', secret: s });

function dialer(overrides: Partial<DialerConfig> = {}): DialerConfig {
  return {
    role: 'dialer',
    local: specOf('a'),
    cluster: 'prod',
    auth: secret('s3cret'),
    nonce: nonce(1),
    expectedPeer: 'b',
    channel: 'gossip',
    lane: 1,
    ...overrides,
  };
}

function acceptor(overrides: Partial<AcceptorConfig> = {}): AcceptorConfig {
  return {
    role: 'acceptor',
    local: specOf('b'),
    cluster: 'prod',
    auth: secret('s3cret'),
    nonce: nonce(2),
    ...overrides,
  };
}

interface Run {
  readonly dialer: HandshakeOutcome | undefined;
  readonly acceptor: HandshakeOutcome | undefined;
  /** Every frame put on the wire, encoded, in order. */
  readonly wire: { readonly from: 'dialer' | 'acceptor'; readonly bytes: Buffer }[];
}

/**
 * Drives both sides through the real codec, as the sockets would: frames are encoded,
 * decoded, and delivered in order until neither side has anything left to say. A side
 * that fails stops talking, as the shell would close its socket.
 */
function run(d: DialerConfig, a: AcceptorConfig): Run {
  const wire: { from: 'dialer' | 'acceptor'; bytes: Buffer }[] = [];
  const sides = {
    dialer: { step: startHandshake(d), outcome: undefined as HandshakeOutcome | undefined },
    acceptor: { step: startHandshake(a), outcome: undefined as HandshakeOutcome | undefined },
  };
  const inbox: { to: 'dialer' | 'acceptor'; bytes: Buffer }[] = [];
  const post = (from: 'dialer' | 'acceptor', frames: readonly Envelope[]) => {
    for (const f of frames) {
      const bytes = encodeFrame(f);
      wire.push({ from, bytes });
      inbox.push({ to: from === 'dialer' ? 'acceptor' : 'dialer', bytes });
    }
  };
  post('dialer', sides.dialer.step.send);
  post('acceptor', sides.acceptor.step.send);
  while (inbox.length > 0) {
    const next = inbox.shift();
    if (next === undefined) break;
    const side = sides[next.to];
    if (side.outcome?.type === 'failed') continue;
    const decoded = decodeFrame(next.bytes);
    if (!decoded.ok)
      throw new Error(`handshake produced an invalid frame: ${decoded.error.message}`);
    side.step = stepHandshake(side.step.state, { type: 'frame', frame: decoded.frame });
    if (side.step.outcome !== undefined) side.outcome = side.step.outcome;
    post(next.to, side.step.send);
  }
  return { dialer: sides.dialer.outcome, acceptor: sides.acceptor.outcome, wire };
}

function failure(outcome: HandshakeOutcome | undefined): HandshakeError {
  if (outcome?.type !== 'failed') throw new Error(`expected a failure, got ${outcome?.type}`);
  expect(outcome.error).toBeInstanceOf(HandshakeError);
  return outcome.error;
}

/** The state a side reaches after its start step. */
function started(config: DialerConfig | AcceptorConfig): HandshakeState {
  return startHandshake(config).state;
}

describe('handshake between two nodes', () => {
  it('establishes both sides when secret, cluster, version and dialled name agree', () => {
    const result = run(dialer(), acceptor());
    expect(result.dialer).toMatchObject({
      type: 'established',
      channel: 'gossip',
      lane: 1,
      role: 'dialer',
    });
    expect(result.acceptor).toMatchObject({
      type: 'established',
      channel: 'gossip',
      lane: 1,
      role: 'acceptor',
    });
    if (result.dialer?.type !== 'established' || result.acceptor?.type !== 'established') return;
    expect(result.dialer.peer).toEqual(specOf('b'));
    expect(result.acceptor.peer).toEqual(specOf('a'));
  });

  it('exchanges hello, hello + proof, proof in that order', () => {
    const result = run(dialer(), acceptor());
    const kinds = result.wire.map((w) => {
      const decoded = decodeFrame(w.bytes);
      return decoded.ok ? `${w.from}:${decoded.frame.k}` : 'invalid';
    });
    expect(kinds).toEqual(['dialer:hello', 'acceptor:hello', 'acceptor:proof', 'dialer:proof']);
  });

  it('never puts the secret on the wire', () => {
    const theSecret = 'correct-horse-battery-staple';
    const result = run(dialer({ auth: secret(theSecret) }), acceptor({ auth: secret(theSecret) }));
    expect(result.dialer?.type).toBe('established');
    for (const { bytes } of result.wire) {
      expect(bytes.includes(Buffer.from(theSecret))).toBe(false);
    }
  });

  it('fails both sides with 4001 when the secrets differ', () => {
    const result = run(dialer({ auth: secret('one') }), acceptor({ auth: secret('two') }));
    expect(failure(result.dialer).code).toBe(CloseCode.AuthFailed);
    expect(failure(result.acceptor).code).toBe(CloseCode.AuthFailed);
  });

  it('accepts a secret given as bytes equal to the string secret', () => {
    const result = run(
      dialer({ auth: secret('shared') }),
      acceptor({ auth: { mode: 'secret', secret: Buffer.from('shared') } }),
    );
    expect(result.acceptor?.type).toBe('established');
  });

  it('fails with 4003 when the clusters differ', () => {
    const result = run(dialer({ cluster: 'prod' }), acceptor({ cluster: 'staging' }));
    const error = failure(result.acceptor);
    expect(error.code).toBe(CloseCode.Mismatch);
    expect(error.reason).toContain('cluster');
  });

  it('fails with 4003 when the protocol versions differ', () => {
    const result = run(dialer({ protocol: PROTOCOL_VERSION + 1 }), acceptor());
    const error = failure(result.acceptor);
    expect(error.code).toBe(CloseCode.Mismatch);
    expect(error.reason).toContain('version');
  });

  it('lets the acceptor refuse with 4002 a dialler that expected another node', () => {
    const result = run(dialer({ expectedPeer: 'c' }), acceptor());
    expect(failure(result.acceptor).code).toBe(CloseCode.WrongName);
    expect(result.dialer).toBeUndefined();
  });

  it('lets the dialler refuse with 4002 an answer from a node it did not dial', () => {
    const impostor = startHandshake(acceptor({ local: specOf('c') }));
    const dialed = startHandshake(dialer());
    const answer = stepHandshake(impostor.state, {
      type: 'frame',
      frame: forceExpect(dialed.send[0], 'c'),
    });
    const hello = answer.send.find((f) => f.k === 'hello');
    if (hello === undefined) throw new Error('the acceptor sent no hello');
    const step = stepHandshake(dialed.state, { type: 'frame', frame: hello });
    const error = failure(step.outcome);
    expect(error.code).toBe(CloseCode.WrongName);
    expect(error.reason).toContain('dialled b but c answered');
  });

  it('fails with 4002 when a node reaches itself', () => {
    const result = run(dialer({ local: specOf('b'), expectedPeer: 'b' }), acceptor());
    expect(failure(result.acceptor).code).toBe(CloseCode.WrongName);
  });

  it('fails both sides with 4001 when only one side has a secret', () => {
    const result = run(dialer({ auth: { mode: 'insecure' } }), acceptor());
    expect(failure(result.acceptor).code).toBe(CloseCode.AuthFailed);
    const reverse = run(dialer(), acceptor({ auth: { mode: 'insecure' } }));
    expect(failure(reverse.acceptor).code).toBe(CloseCode.AuthFailed);
  });

  it('establishes in explicit insecure mode with no proofs exchanged', () => {
    const insecure: HandshakeAuth = { mode: 'insecure' };
    const result = run(dialer({ auth: insecure }), acceptor({ auth: insecure }));
    expect(result.dialer?.type).toBe('established');
    expect(result.acceptor?.type).toBe('established');
    const kinds = result.wire.map((w) => {
      const decoded = decodeFrame(w.bytes);
      return decoded.ok ? decoded.frame.k : 'invalid';
    });
    expect(kinds).toEqual(['hello', 'hello']);
  });

  it('succeeds exactly when secret, cluster, version and dialled name all agree', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('s1', 's2'),
        fc.constantFrom('s1', 's2'),
        fc.constantFrom('prod', 'test'),
        fc.constantFrom('prod', 'test'),
        fc.constantFrom(1, 2),
        fc.constantFrom(1, 2),
        fc.constantFrom('b', 'c'),
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        (s1, s2, c1, c2, v1, v2, expected, n1, n2) => {
          fc.pre(!Buffer.from(n1).equals(Buffer.from(n2)));
          const result = run(
            dialer({
              auth: secret(s1),
              cluster: c1,
              protocol: v1,
              expectedPeer: expected,
              nonce: n1,
            }),
            acceptor({ auth: secret(s2), cluster: c2, protocol: v2, nonce: n2 }),
          );
          const agree = s1 === s2 && c1 === c2 && v1 === v2 && expected === 'b';
          const bothEstablished =
            result.dialer?.type === 'established' && result.acceptor?.type === 'established';
          const eitherEstablished =
            result.dialer?.type === 'established' || result.acceptor?.type === 'established';
          expect(bothEstablished).toBe(agree);
          expect(eitherEstablished).toBe(agree);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('succeeds for arbitrary distinct node names with a shared secret', () => {
    fc.assert(
      fc.property(nameArb, nameArb, fc.string({ minLength: 1 }), (a, b, s) => {
        fc.pre(a !== b);
        const result = run(
          dialer({ local: specOf(a), expectedPeer: b, auth: secret(s) }),
          acceptor({ local: specOf(b), auth: secret(s) }),
        );
        expect(result.dialer?.type).toBe('established');
        expect(result.acceptor?.type).toBe('established');
      }),
      { numRuns: 100 },
    );
  });
});

describe('handshake attacks', () => {
  it('refuses a proof replayed from an earlier session', () => {
    const first = run(dialer(), acceptor());
    const replayed = first.wire
      .filter((w) => w.from === 'dialer')
      .map((w) => decodeFrame(w.bytes))
      .flatMap((r) => (r.ok && r.frame.k === 'proof' ? [r.frame] : []));
    const proof = replayed[0];
    if (proof === undefined) throw new Error('no proof captured');

    // second session: the acceptor picks a fresh nonce, the attacker replays hello and proof
    const hello = startHandshake(dialer()).send[0];
    if (hello === undefined) throw new Error('no hello');
    let state = startHandshake(acceptor({ nonce: nonce(3) })).state;
    state = stepHandshake(state, { type: 'frame', frame: hello }).state;
    const step = stepHandshake(state, { type: 'frame', frame: proof });
    expect(failure(step.outcome).code).toBe(CloseCode.AuthFailed);
  });

  it('refuses the acceptor’s own proof reflected back as the dialler’s', () => {
    const hello = startHandshake(dialer()).send[0];
    if (hello === undefined) throw new Error('no hello');
    const answered = stepHandshake(started(acceptor()), { type: 'frame', frame: hello });
    const ownProof = answered.send.find((f) => f.k === 'proof');
    if (ownProof === undefined) throw new Error('no proof');
    const step = stepHandshake(answered.state, { type: 'frame', frame: ownProof });
    expect(failure(step.outcome).code).toBe(CloseCode.AuthFailed);
  });

  it('refuses a proof made with the right secret for another cluster', () => {
    const hello = startHandshake(dialer()).send[0];
    if (hello === undefined) throw new Error('no hello');
    const answered = stepHandshake(started(acceptor()), { type: 'frame', frame: hello });
    const transcript: Transcript = {
      protocol: PROTOCOL_VERSION,
      cluster: 'other',
      dialer: 'a',
      acceptor: 'b',
      channel: 'gossip',
      lane: 1,
      dialerNonce: nonce(1),
      acceptorNonce: nonce(2),
    };
    const forged = frame('gossip', 'proof', { mac: computeProof('s3cret', transcript, 'dialer') });
    const step = stepHandshake(answered.state, { type: 'frame', frame: forged });
    expect(failure(step.outcome).code).toBe(CloseCode.AuthFailed);
  });

  it('refuses a peer that sends back this node’s own nonce', () => {
    const result = run(dialer({ nonce: nonce(9) }), acceptor({ nonce: nonce(9) }));
    expect(failure(result.acceptor).code).toBe(CloseCode.AuthFailed);
  });
});

describe('handshake protocol rules', () => {
  it('has the dialler speak first and the acceptor wait', () => {
    expect(startHandshake(dialer()).send.map((f) => f.k)).toEqual(['hello']);
    expect(startHandshake(acceptor()).send).toEqual([]);
  });

  it('fails with 4005 on a data frame before the hello', () => {
    const step = stepHandshake(started(acceptor()), {
      type: 'frame',
      frame: frame('default', 'data', { msg: 1 }),
    });
    expect(failure(step.outcome).code).toBe(CloseCode.HandshakeProtocol);
  });

  it('fails with 4005 on a proof before the hello', () => {
    const step = stepHandshake(started(acceptor()), {
      type: 'frame',
      frame: frame('default', 'proof', { mac: Buffer.alloc(32) }),
    });
    expect(failure(step.outcome).code).toBe(CloseCode.HandshakeProtocol);
  });

  it('accepts a dialler that does not say whom it expects (a seed address)', () => {
    const hello = startHandshake(dialer()).send[0];
    if (hello?.k !== 'hello') throw new Error('no hello');
    const { expect: _dropped, ...body } = hello.b;
    const step = stepHandshake(started(acceptor()), {
      type: 'frame',
      frame: frame(hello.ch, 'hello', body),
    });
    expect(step.outcome).toBeUndefined();
    expect(step.send.map((f) => f.k)).toEqual(['hello', 'proof']);
  });

  it('lets a dialler without an expected name reach whichever node answers', () => {
    const { expectedPeer: _unknown, ...rest } = dialer();
    const result = run(rest, acceptor());
    expect(result.dialer?.type).toBe('established');
    expect(result.acceptor?.type).toBe('established');
    if (result.dialer?.type !== 'established') throw new Error('not established');
    expect(result.dialer.peer.name).toBe('b');
    const hello = startHandshake(rest).send[0];
    expect(hello?.k === 'hello' && Object.hasOwn(hello.b, 'expect')).toBe(false);
  });

  it('fails with 4005 when the answer is for another channel or lane', () => {
    const dialed = startHandshake(dialer());
    const hello = dialed.send[0];
    if (hello?.k !== 'hello') throw new Error('no hello');
    const answer = stepHandshake(started(acceptor()), {
      type: 'frame',
      frame: frame(hello.ch, 'hello', { ...hello.b, lane: 0 }),
    }).send[0];
    if (answer === undefined) throw new Error('no answer');
    const step = stepHandshake(dialed.state, { type: 'frame', frame: answer });
    expect(failure(step.outcome).code).toBe(CloseCode.HandshakeProtocol);
  });

  it('fails with 4004 on the timeout', () => {
    const step = stepHandshake(started(dialer()), { type: 'timeout' });
    expect(failure(step.outcome).code).toBe(CloseCode.HandshakeTimeout);
  });

  it('fails with 4004 on a timeout while waiting for the proof', () => {
    const hello = startHandshake(dialer()).send[0];
    if (hello === undefined) throw new Error('no hello');
    const waiting = stepHandshake(started(acceptor()), { type: 'frame', frame: hello });
    expect(waiting.state.phase).toBe('awaiting_proof');
    const step = stepHandshake(waiting.state, { type: 'timeout' });
    expect(failure(step.outcome).code).toBe(CloseCode.HandshakeTimeout);
  });

  it('ignores a timeout after the handshake finished', () => {
    const result = run(dialer(), acceptor());
    expect(result.dialer?.type).toBe('established');
    const done: HandshakeState = { phase: 'done', outcome: result.dialer as HandshakeOutcome };
    const step = stepHandshake(done, { type: 'timeout' });
    expect(step.outcome).toBeUndefined();
    expect(step.state).toBe(done);
    expect(step.send).toEqual([]);
  });

  it('fails with the peer’s code when the peer announces a close', () => {
    const step = stepHandshake(started(dialer()), {
      type: 'frame',
      frame: frame('gossip', 'close', { code: CloseCode.GoingAway, reason: 'stopping' }),
    });
    const error = failure(step.outcome);
    expect(error.code).toBe(CloseCode.GoingAway);
    expect(error.reason).toContain('stopping');
  });

  it('rejects a nonce shorter than 16 bytes as a caller bug', () => {
    expect(() => startHandshake(dialer({ nonce: Buffer.alloc(8) }))).toThrow(RangeError);
  });

  it('rejects an empty secret instead of treating it as insecure', () => {
    expect(() => startHandshake(dialer({ auth: secret('') }))).toThrow(RangeError);
  });
});

/** A copy of a hello frame with another `expect`, as a dialler aiming elsewhere would send. */
function forceExpect(f: Envelope | undefined, expected: string): Envelope {
  if (f?.k !== 'hello') throw new Error('not a hello');
  return frame(f.ch, 'hello', { ...f.b, expect: expected });
}
