/**
 * What the metadata handler sends through the broadcast server, and the checks of what
 * arrives: a peer's ids and payloads are untrusted until parsed.
 */
import { MalformedDataError } from './errors.js';
import { type MetadataObject, parseObject } from './object.js';
import { checkKey, checkPrefix, type FullPrefix, type MetadataKey } from './prefix.js';
import { isVersionVector, type VersionVector } from './version-vector.js';

/** What a local write hands to the broadcast layer, and what travels as the payload. */
export interface MetadataBroadcast {
  readonly prefix: FullPrefix;
  readonly key: MetadataKey;
  readonly object: MetadataObject;
}

/** The broadcast id: enough for `isStale` to answer from the clock alone. */
export interface MetadataId {
  readonly prefix: FullPrefix;
  readonly key: MetadataKey;
  readonly clock: VersionVector;
}

/** Checks a broadcast id from the wire. */
export function parseMetadataId(raw: unknown): MetadataId {
  if (typeof raw !== 'object' || raw === null) throw new MalformedDataError('id', 'not a map');
  const { prefix, key, clock } = raw as Record<string, unknown>;
  checkPrefix(prefix);
  checkKey(key);
  if (!isVersionVector(clock)) throw new MalformedDataError('id', 'bad clock');
  return { prefix, key, clock };
}

/** Checks a broadcast payload from the wire. */
export function parseMetadataBroadcast(raw: unknown): MetadataBroadcast {
  if (typeof raw !== 'object' || raw === null) throw new MalformedDataError('payload', 'not a map');
  const { prefix, key, object } = raw as Record<string, unknown>;
  checkPrefix(prefix);
  checkKey(key);
  return { prefix, key, object: parseObject(object) };
}
