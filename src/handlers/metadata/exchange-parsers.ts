/**
 * Checks of exchange messages from a peer: every request and response is untrusted
 * until it has the shape the protocol steps rely on.
 */
import { MalformedDataError } from './errors.js';
import type { ExchangeRequest, ForgottenKey } from './exchange.js';
import { type MetadataObject, parseObject } from './object.js';
import { checkPrefix, type FullPrefix, type MetadataKey } from './prefix.js';
import { isVersionVector, type VersionVector } from './version-vector.js';

function fail(detail: string): never {
  throw new MalformedDataError('exchange message', detail);
}

function asRecord(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not a map');
  return raw as Record<string, unknown>;
}

function parseHashList(raw: unknown, length?: number): string[] {
  if (!Array.isArray(raw)) fail('hashes must be an array');
  if (length !== undefined && raw.length !== length) fail(`expected ${length} hashes`);
  for (const h of raw) if (typeof h !== 'string') fail('a hash is not a string');
  return raw as string[];
}

function parsePrefix(raw: unknown): FullPrefix {
  try {
    checkPrefix(raw);
  } catch {
    fail('bad prefix');
  }
  return raw;
}

function parseRoots(raw: unknown): [FullPrefix, string][] {
  if (!Array.isArray(raw)) fail('roots must be an array');
  return raw.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') fail('bad root');
    return [parsePrefix(pair[0]), pair[1] as string];
  });
}

function parseSegmentList(raw: unknown, segments: number): number[] {
  if (!Array.isArray(raw)) fail('segments must be an array');
  for (const s of raw) {
    if (!Number.isSafeInteger(s) || (s as number) < 0 || (s as number) >= segments) {
      fail('segment out of range');
    }
  }
  return raw as number[];
}

function parseKeyed<T>(raw: unknown, value: (v: unknown) => T): [MetadataKey, T][] {
  if (!Array.isArray(raw)) fail('entries must be an array');
  return raw.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') fail('bad entry');
    return [pair[0] as string, value(pair[1])];
  });
}

function parseClock(raw: unknown): VersionVector {
  if (!isVersionVector(raw)) fail('bad clock');
  return raw;
}

function parseHash(raw: unknown): string {
  if (typeof raw !== 'string') fail('a hash is not a string');
  return raw;
}

export function parseRequest(
  raw: unknown,
  shape: { readonly segments: number; readonly groupSize: number },
): ExchangeRequest {
  const r = asRecord(raw);
  if (typeof r.from !== 'string') fail('from must be a string');
  const from = r.from;
  switch (r.type) {
    case 'roots':
      return { type: 'roots', from, roots: parseRoots(r.roots) };
    case 'groups':
      return {
        type: 'groups',
        from,
        prefix: parsePrefix(r.prefix),
        hashes: parseHashList(r.hashes, shape.segments / shape.groupSize),
      };
    case 'segments': {
      const segments = parseSegmentList(r.segments, shape.segments);
      return {
        type: 'segments',
        from,
        prefix: parsePrefix(r.prefix),
        segments,
        hashes: parseHashList(r.hashes, segments.length),
      };
    }
    case 'sync':
      return {
        type: 'sync',
        from,
        prefix: parsePrefix(r.prefix),
        segments: parseSegmentList(r.segments, shape.segments),
        entries: parseKeyed(r.entries, parseHash),
      };
    case 'push':
      return {
        type: 'push',
        from,
        prefix: parsePrefix(r.prefix),
        objects: parseKeyed(r.objects, parseObject),
        forgotten: parseKeyed(r.forgotten, parseClock),
      };
    default:
      return fail(`unknown request type ${String(r.type)}`);
  }
}

export function parseRootsResponse(raw: unknown): [FullPrefix, string][] {
  const r = asRecord(raw);
  if (r.type !== 'roots') fail(`expected roots, got ${String(r.type)}`);
  return parseRoots(r.roots);
}

export function parseHashesResponse(
  raw: unknown,
  type: 'groups' | 'segments',
  length: number,
): string[] {
  const r = asRecord(raw);
  if (r.type !== type) fail(`expected ${type}, got ${String(r.type)}`);
  return parseHashList(r.hashes, length);
}

export function parseSyncResponse(raw: unknown): {
  objects: [MetadataKey, MetadataObject][];
  wanted: MetadataKey[];
  forgotten: ForgottenKey[];
} {
  const r = asRecord(raw);
  if (r.type !== 'sync') fail(`expected sync, got ${String(r.type)}`);
  if (!Array.isArray(r.wanted) || !r.wanted.every((k) => typeof k === 'string')) {
    fail('wanted must be an array of keys');
  }
  return {
    objects: parseKeyed(r.objects, parseObject),
    wanted: r.wanted as string[],
    forgotten: parseKeyed(r.forgotten, parseClock),
  };
}

export function parsePushedResponse(raw: unknown): void {
  const r = asRecord(raw);
  if (r.type !== 'pushed') fail(`expected pushed, got ${String(r.type)}`);
}
