import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  frameRecord,
  LOG_FILE,
  type LogRecord,
  MetadataLog,
  parseLog,
} from '../../../src/handlers/metadata/metadata-log.js';
import { applyWrite } from '../../../src/handlers/metadata/object.js';

const P = ['p', 's'] as const;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metadata-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function putRecord(key: string, value: unknown): LogRecord {
  return {
    type: 'put',
    prefix: P,
    key,
    object: applyWrite(undefined, 'a', { kind: 'value', value }, 1).object,
  };
}

describe('append-only log', () => {
  it('reads back every appended record in order', async () => {
    const { log } = await MetadataLog.open({ dir });
    await Promise.all([log.append(putRecord('a', 1)), log.append(putRecord('b', 2))]);
    await log.append({ type: 'forget', prefix: P, key: 'a', clock: [['a', 1]] });
    await log.close();
    const { log: again, records, truncatedBytes } = await MetadataLog.open({ dir });
    await again.close();
    expect(truncatedBytes).toBe(0);
    expect(
      records.map((r) =>
        r.type === 'header' || r.type === 'floor' ? r.type : `${r.type}:${r.key}`,
      ),
    ).toEqual(['put:a', 'put:b', 'forget:a']);
  });

  it('cuts off a torn tail and appends cleanly after it', async () => {
    const { log } = await MetadataLog.open({ dir });
    await log.append(putRecord('a', 1));
    await log.close();
    const file = join(dir, LOG_FILE);
    const whole = frameRecord(putRecord('b', 2));
    await writeFile(
      file,
      Buffer.concat([await readFile(file), whole.subarray(0, whole.length - 3)]),
    );
    const opened = await MetadataLog.open({ dir });
    expect(opened.truncatedBytes).toBe(whole.length - 3);
    expect(opened.records).toHaveLength(1);
    await opened.log.append(putRecord('c', 3));
    await opened.log.close();
    const { log: last, records } = await MetadataLog.open({ dir });
    await last.close();
    expect(records.map((r) => (r.type === 'put' ? r.key : r.type))).toEqual(['a', 'c']);
  });

  it('stops at a record whose checksum does not match', () => {
    const a = frameRecord(putRecord('a', 1));
    const b = frameRecord(putRecord('b', 2));
    const corrupt = Uint8Array.from(b);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff;
    const parsed = parseLog(Buffer.concat([a, corrupt]));
    expect(parsed.records).toHaveLength(1);
    expect(parsed.validBytes).toBe(a.length);
  });

  it('compacts to one record per live key, and reloads the same state', async () => {
    const { log } = await MetadataLog.open({ dir, compactMinBytes: 1 << 30 });
    const live = new Map<string, LogRecord>();
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 10; k++) {
        const record = putRecord(`k${k}`, { round, pad: 'x'.repeat(50) });
        live.set(`k${k}`, record);
        await log.append(record);
      }
    }
    log.setSnapshotSource(() => live.values());
    const before = (await stat(join(dir, LOG_FILE))).size;
    await log.compact();
    const after = (await stat(join(dir, LOG_FILE))).size;
    expect(log.compactionCount).toBe(1);
    expect(after).toBeLessThan(before / 10);
    await log.append(putRecord('k0', 'after-compaction'));
    await log.close();
    const { log: again, records } = await MetadataLog.open({ dir });
    await again.close();
    const last = new Map<string, unknown>();
    for (const r of records) if (r.type === 'put') last.set(r.key, r.object.siblings[0]);
    expect(last.size).toBe(10);
    expect(last.get('k0')).toMatchObject({ value: 'after-compaction' });
    expect(last.get('k9')).toMatchObject({ value: { round: 19 } });
  });

  it('compacts by itself once the log outgrows its live data', async () => {
    const { log } = await MetadataLog.open({ dir, compactMinBytes: 4096 });
    const live = new Map<string, LogRecord>();
    log.setSnapshotSource(() => live.values());
    for (let i = 0; i < 200; i++) {
      const record = putRecord('same', { i, pad: 'y'.repeat(40) });
      live.set('same', record);
      await log.append(record);
    }
    expect(log.compactionCount).toBeGreaterThan(0);
    expect(log.size).toBeLessThan(4096 * 2);
    await log.close();
  });

  it('refuses a log from an unknown format', async () => {
    await writeFile(
      join(dir, LOG_FILE),
      frameRecord({ type: 'header', format: 'something-else', version: 1 }),
    );
    await expect(MetadataLog.open({ dir })).rejects.toMatchObject({ name: 'LogFormatError' });
  });
});
