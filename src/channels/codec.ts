import { C1, Packr, Unpackr } from 'msgpackr';
import { CloseCode } from './close-codes.js';
import type { Envelope } from './envelope.js';
import { FrameError } from './errors.js';
import { type FrameResult, validateEnvelope } from './frame-schema.js';
import { DEFAULT_MAX_DEPTH } from './plain-data.js';

/** Largest frame accepted or produced by default (16 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Limits shared by {@link encodeFrame} and {@link decodeFrame}. */
export interface CodecOptions {
  /** Largest frame, in bytes; give `ws` the same value as `maxPayload`. */
  readonly maxFrameBytes?: number;
  /** Deepest nesting accepted inside application messages. */
  readonly maxDepth?: number;
}

// Records and structured clones both need state shared between the two ends (or
// produce cyclic graphs); plain maps and arrays need none, so any two nodes agree.
const codecOptions = {
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
} as const;

const packr = new Packr(codecOptions);
const unpackr = new Unpackr(codecOptions);

/**
 * Encodes an envelope to the bytes of one WebSocket message. The envelope is checked
 * against the same schema the receiver applies, so a frame the peer would refuse (and
 * close the connection over) fails here, at the sender, instead.
 *
 * @throws FrameError 1008 for an envelope the schema refuses or msgpackr cannot encode,
 *   1009 when the encoded frame is larger than `maxFrameBytes`.
 */
export function encodeFrame(envelope: Envelope, options: CodecOptions = {}): Buffer {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const checked = validateEnvelope(envelope, { maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH });
  if (!checked.ok) throw checked.error;
  let packed: Buffer;
  try {
    packed = packr.pack(checked.frame);
  } catch (error) {
    throw new FrameError(CloseCode.PolicyViolation, `cannot encode frame: ${errorText(error)}`);
  }
  if (packed.byteLength > maxFrameBytes) {
    throw new FrameError(
      CloseCode.MessageTooBig,
      `frame of ${packed.byteLength} bytes exceeds the limit of ${maxFrameBytes} bytes`,
    );
  }
  // msgpackr hands out views into a shared 8 KiB scratch buffer: a frame kept in a
  // slow peer's queue would pin the whole chunk, so the queue's byte bound would lie.
  const owned = Buffer.allocUnsafeSlow(packed.byteLength);
  packed.copy(owned);
  return owned;
}

/**
 * Decodes and checks one received WebSocket message. Never throws, whatever the bytes:
 * a frame too big is refused with 1009, bytes that are not MessagePack with 1007, and a
 * MessagePack value that is not a valid envelope with 1008.
 */
export function decodeFrame(bytes: Uint8Array, options: CodecOptions = {}): FrameResult {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!(bytes instanceof Uint8Array)) {
    return refuse(CloseCode.InvalidPayload, 'frame is not binary data');
  }
  if (bytes.byteLength > maxFrameBytes) {
    return refuse(
      CloseCode.MessageTooBig,
      `frame of ${bytes.byteLength} bytes exceeds the limit of ${maxFrameBytes} bytes`,
    );
  }
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (error) {
    return refuse(CloseCode.InvalidPayload, `undecodable frame: ${errorText(error)}`);
  }
  if (value === C1) return refuse(CloseCode.InvalidPayload, 'frame is the never-used byte 0xc1');
  return validateEnvelope(value, { maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH });
}

function refuse(code: FrameError['code'], reason: string): FrameResult {
  return { ok: false, error: new FrameError(code, reason) };
}

/** A short description of whatever was thrown, without trusting it to be an Error. */
function errorText(error: unknown): string {
  const text =
    error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
