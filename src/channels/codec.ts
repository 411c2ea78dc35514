import { C1, Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import { CloseCode } from './close-codes.js';
import { type DataBody, ENVELOPE_VERSION, type Envelope, type MessageKey } from './envelope.js';
import { FrameError } from './errors.js';
import { dataBodyProblem, type FrameResult, validateEnvelope } from './frame-schema.js';
import { MAX_CHANNEL_NAME_LENGTH, nameProblem } from './names.js';
import { DEFAULT_MAX_DEPTH } from './plain-data.js';

/** Largest frame accepted or produced by default (16 MiB). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Largest WebSocket message a sender gathers frames into (frames back to back; a
 * single larger frame goes alone). Every node accepts messages of this size whatever
 * its `maxFrameBytes`, which it checks per frame, so batching never trips a peer's
 * limit.
 */
export const BATCH_BYTES = 64 * 1024;

/** The largest WebSocket message a node accepts: one frame, or a batch of them. */
export function maxMessageBytes(maxFrameBytes: number): number {
  return Math.max(maxFrameBytes, BATCH_BYTES);
}

/** Limits shared by {@link encodeFrame} and {@link decodeFrame}. */
export interface CodecOptions {
  /** Largest frame, in bytes; give `ws` the same value as `maxPayload`. */
  readonly maxFrameBytes?: number;
  /** Deepest nesting accepted inside application messages. */
  readonly maxDepth?: number;
}

/** Options of {@link encodeDataFrameView}. */
export interface DataCodecOptions extends CodecOptions {
  /**
   * The message is never modified once handed over, and the same object may be
   * encoded several times in a row (one broadcast to several peers): the last encoding
   * of the same object, channel and limits is returned instead of a new one.
   */
  readonly reuse?: boolean;
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
 * close the connection over) fails here, at the sender, instead. The result owns its
 * memory (see {@link ownedFrame}).
 *
 * @throws FrameError 1008 for an envelope the schema refuses or msgpackr cannot encode,
 *   1009 when the encoded frame is larger than `maxFrameBytes`.
 */
export function encodeFrame(envelope: Envelope, options: CodecOptions = {}): Buffer {
  return ownedFrame(encodeFrameView(envelope, options));
}

/**
 * {@link encodeFrame} without the copy: the bytes are a view into msgpackr's shared
 * scratch chunk, which later encodings never overwrite but which the view keeps alive.
 * For a frame handed to the socket at once; a frame that may wait in a queue must be
 * copied with {@link ownedFrame} first.
 *
 * @throws FrameError as {@link encodeFrame}.
 */
export function encodeFrameView(envelope: Envelope, options: CodecOptions = {}): Buffer {
  const checked = validateEnvelope(envelope, { maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH });
  if (!checked.ok) throw checked.error;
  return packChecked(checked.frame, options);
}

function packChecked(envelope: Envelope, options: CodecOptions): Buffer {
  let packed: Buffer;
  try {
    packed = packr.pack(envelope);
  } catch (error) {
    throw new FrameError(CloseCode.PolicyViolation, `cannot encode frame: ${errorText(error)}`);
  }
  checkSize(packed, options);
  return packed;
}

function checkSize(packed: Buffer, options: CodecOptions): void {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (packed.byteLength > maxFrameBytes) {
    throw new FrameError(
      CloseCode.MessageTooBig,
      `frame of ${packed.byteLength} bytes exceeds the limit of ${maxFrameBytes} bytes`,
    );
  }
}

/**
 * Encodes a data frame equivalent to `encodeFrameView(frame(channel, 'data', body))`:
 * it decodes to the same envelope (in a few bytes less: its maps use the short map
 * header where msgpackr writes a 16-bit one) at a fraction of the cost, since this is
 * every application message's path. It checks only what a
 * caller can get wrong (the channel name, the message and its keys), and packs only
 * the message: the envelope around it is a prefix cached per channel, written into
 * space msgpackr reserves in front of the message.
 *
 * @throws FrameError as {@link encodeFrame}.
 */
export function encodeDataFrameView(
  channel: string,
  body: DataBody,
  options: DataCodecOptions = {},
): Buffer {
  const { msg, partitionKey, monotonicKey } = body;
  const reusable =
    options.reuse === true && partitionKey === undefined && monotonicKey === undefined;
  if (
    reusable &&
    lastEncoded !== undefined &&
    lastEncoded.msg === msg &&
    lastEncoded.channel === channel &&
    lastEncoded.maxFrameBytes === options.maxFrameBytes &&
    lastEncoded.maxDepth === options.maxDepth
  ) {
    return lastEncoded.bytes;
  }
  const bytes = encodeDataFrameFresh(channel, msg, partitionKey, monotonicKey, options);
  if (reusable) {
    lastEncoded = {
      msg,
      channel,
      maxFrameBytes: options.maxFrameBytes,
      maxDepth: options.maxDepth,
      bytes,
    };
  }
  return bytes;
}

/** The last encoding asked with `reuse` (one entry: fan-out sends come in a row). */
let lastEncoded:
  | {
      readonly msg: unknown;
      readonly channel: string;
      readonly maxFrameBytes: number | undefined;
      readonly maxDepth: number | undefined;
      readonly bytes: Buffer;
    }
  | undefined;

function encodeDataFrameFresh(
  channel: string,
  msg: unknown,
  partitionKey: MessageKey | undefined,
  monotonicKey: MessageKey | undefined,
  options: CodecOptions,
): Buffer {
  const issue = dataBodyProblem(
    msg,
    partitionKey,
    monotonicKey,
    options.maxDepth ?? DEFAULT_MAX_DEPTH,
  );
  if (issue instanceof FrameError) throw issue;
  if (issue !== undefined) throw new FrameError(CloseCode.PolicyViolation, issue);
  const prefix = dataPrefix(channel, partitionKey, monotonicKey);
  if (prefix === undefined) {
    // keys too long for the reserved space: pack the whole envelope
    let b: DataBody = { msg };
    if (partitionKey !== undefined) b = { ...b, partitionKey };
    if (monotonicKey !== undefined) b = { ...b, monotonicKey };
    return packChecked({ v: ENVELOPE_VERSION, ch: channel, k: 'data', b }, options);
  }
  let packed: Buffer;
  try {
    packed = packr.pack(msg, RESERVE_START_SPACE | prefix.byteLength);
  } catch (error) {
    throw new FrameError(CloseCode.PolicyViolation, `cannot encode frame: ${errorText(error)}`);
  }
  prefix.copy(packed, 0);
  checkSize(packed, options);
  return packed;
}

/** msgpackr reserves at most this many bytes in front of a packed value. */
const MAX_RESERVED = 0xff;

/** The envelope up to the body map, per channel; bounded so that odd callers cannot grow it. */
const envelopeHeads = new Map<string, Buffer>();
const MAX_CACHED_HEADS = 256;
const MSG_KEY = Buffer.from(packr.pack('msg'));
const PARTITION_KEY = Buffer.from(packr.pack('partitionKey'));
const MONOTONIC_KEY = Buffer.from(packr.pack('monotonicKey'));

/**
 * The bytes of `{ v, ch, k: 'data', b: { [keys,] msg: ` - everything in front of the
 * packed message - or `undefined` when they would not fit the reserved space.
 */
function dataPrefix(
  channel: string,
  partitionKey: MessageKey | undefined,
  monotonicKey: MessageKey | undefined,
): Buffer | undefined {
  let head = envelopeHeads.get(channel);
  if (head === undefined) {
    const chIssue = nameProblem(channel, MAX_CHANNEL_NAME_LENGTH);
    if (chIssue !== undefined) {
      throw new FrameError(CloseCode.PolicyViolation, `channel ${chIssue}`);
    }
    head = Buffer.concat([
      Buffer.from([0x84]), // a map of four: v, ch, k, b
      packr.pack('v'),
      packr.pack(ENVELOPE_VERSION),
      packr.pack('ch'),
      packr.pack(channel),
      packr.pack('k'),
      packr.pack('data'),
      packr.pack('b'),
    ]);
    if (envelopeHeads.size >= MAX_CACHED_HEADS) envelopeHeads.clear();
    envelopeHeads.set(channel, head);
  }
  const parts: Buffer[] = [head];
  let fields = 1;
  if (partitionKey !== undefined) {
    fields++;
    parts.push(PARTITION_KEY, packr.pack(partitionKey));
  }
  if (monotonicKey !== undefined) {
    fields++;
    parts.push(MONOTONIC_KEY, packr.pack(monotonicKey));
  }
  parts.push(MSG_KEY);
  let size = 1;
  for (const part of parts) size += part.byteLength;
  if (size > MAX_RESERVED) return undefined;
  const prefix = Buffer.allocUnsafe(size);
  let at = head.copy(prefix, 0);
  prefix[at++] = 0x80 | fields; // the body: a map of `fields` entries
  for (const part of parts.slice(1)) at += part.copy(prefix, at);
  return prefix;
}

/**
 * A copy of `bytes` in memory of its own. msgpackr hands out views into a shared 8 KiB
 * scratch chunk (and Node's small-buffer pool shares 8 KiB slabs the same way): a frame
 * kept in a slow peer's queue would pin a whole chunk, so the queue's byte bound would
 * lie. The copy is unpooled for that reason.
 */
export function ownedFrame(bytes: Uint8Array): Buffer {
  const owned = Buffer.allocUnsafeSlow(bytes.byteLength);
  owned.set(bytes);
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

/** What {@link decodeFrames} read from one WebSocket message. */
export interface DecodedFrames {
  /** The frames ahead of the first bad one (all of them when `error` is unset). */
  readonly frames: Envelope[];
  /** The encoded size of each frame, in bytes. */
  readonly sizes: number[];
  /** Why the rest of the message was refused, with the close code to use. */
  readonly error?: FrameError;
}

/**
 * Decodes and checks one received WebSocket message holding one or more frames back
 * to back (what a {@link BATCH_BYTES} batch holds). Never throws: each frame is held
 * to {@link decodeFrame}'s rules, and reading stops at the first that breaks one.
 */
export function decodeFrames(bytes: Uint8Array, options: CodecOptions = {}): DecodedFrames {
  const frames: Envelope[] = [];
  const sizes: number[] = [];
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const fail = (code: FrameError['code'], reason: string): DecodedFrames => ({
    frames,
    sizes,
    error: new FrameError(code, reason),
  });
  if (!(bytes instanceof Uint8Array))
    return fail(CloseCode.InvalidPayload, 'frame is not binary data');
  if (bytes.byteLength > maxMessageBytes(maxFrameBytes)) {
    return fail(
      CloseCode.MessageTooBig,
      `message of ${bytes.byteLength} bytes exceeds the limit of ${maxMessageBytes(maxFrameBytes)} bytes`,
    );
  }
  const values: unknown[] = [];
  const ends: number[] = [];
  let undecodable: string | undefined;
  try {
    // values are collected first: a handler run inside msgpackr's sequential read
    // could itself decode and disturb it
    unpackr.unpackMultiple(bytes, (value: unknown, _start?: number, end?: number) => {
      values.push(value);
      ends.push(end ?? bytes.byteLength);
    });
  } catch (error) {
    undecodable = `undecodable frame: ${errorText(error)}`;
  }
  let start = 0;
  for (let i = 0; i < values.length; i++) {
    const end = ends[i] as number;
    const size = end - start;
    start = end;
    if (size > maxFrameBytes) {
      return fail(
        CloseCode.MessageTooBig,
        `frame of ${size} bytes exceeds the limit of ${maxFrameBytes} bytes`,
      );
    }
    const value = values[i];
    if (value === C1) return fail(CloseCode.InvalidPayload, 'frame is the never-used byte 0xc1');
    const checked = validateEnvelope(value, { maxDepth });
    if (!checked.ok) return { frames, sizes, error: checked.error };
    frames.push(checked.frame);
    sizes.push(size);
  }
  if (undecodable !== undefined) return fail(CloseCode.InvalidPayload, undecodable);
  return { frames, sizes };
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
