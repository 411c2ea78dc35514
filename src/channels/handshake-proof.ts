import { createHmac, timingSafeEqual } from 'node:crypto';

/** Which end of a connection a node is: the one that dialled, or the one that answered. */
export type HandshakeRole = 'dialer' | 'acceptor';

/** Everything a handshake proof covers. */
export interface Transcript {
  readonly protocol: number;
  readonly cluster: string;
  readonly dialer: string;
  readonly acceptor: string;
  readonly channel: string;
  readonly lane: number;
  readonly dialerNonce: Uint8Array;
  readonly acceptorNonce: Uint8Array;
}

const LABEL = 'plumtree-ts channel handshake v1';

/**
 * The exact bytes a proof is computed over. Every field is length-prefixed so that no
 * two different transcripts share an encoding (`ab`+`c` vs `a`+`bc`), and the prover's
 * role is included so that a proof sent by one side can never be replayed as the
 * other side's (a reflection attack).
 */
export function transcriptBytes(transcript: Transcript, prover: HandshakeRole): Buffer {
  const parts: Buffer[] = [
    Buffer.from(LABEL, 'utf8'),
    Buffer.from(prover, 'utf8'),
    uint32(transcript.protocol),
    Buffer.from(transcript.cluster, 'utf8'),
    Buffer.from(transcript.dialer, 'utf8'),
    Buffer.from(transcript.acceptor, 'utf8'),
    Buffer.from(transcript.channel, 'utf8'),
    uint32(transcript.lane),
    Buffer.from(transcript.dialerNonce),
    Buffer.from(transcript.acceptorNonce),
  ];
  return Buffer.concat(parts.flatMap((part) => [uint32(part.byteLength), part]));
}

/** The proof a side sends: HMAC-SHA256 keyed by the cluster secret over the transcript. */
export function computeProof(
  secret: string | Uint8Array,
  transcript: Transcript,
  prover: HandshakeRole,
): Buffer {
  return createHmac('sha256', secret).update(transcriptBytes(transcript, prover)).digest();
}

/** Whether `mac` is the proof `prover` should have sent, compared in constant time. */
export function verifyProof(
  secret: string | Uint8Array,
  transcript: Transcript,
  prover: HandshakeRole,
  mac: Uint8Array,
): boolean {
  const expected = computeProof(secret, transcript, prover);
  return mac.byteLength === expected.byteLength && timingSafeEqual(expected, mac);
}

function uint32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0);
  return out;
}
