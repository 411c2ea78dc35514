import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDnsLookup,
  parseSeed,
  resolveSeed,
  resolveSeeds,
} from '../../src/peer-service/seed-resolver.js';
import { TestDnsServer } from '../support/dns-server.js';

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
  dns.set('seeds.test', { a: ['10.0.0.1', '10.0.0.2'], aaaa: ['fd00::1'] });
  dns.set('_plumtree._tcp.seeds.test', {
    srv: [
      { target: 'n2.seeds.test', port: 9002, priority: 20 },
      { target: 'n1.seeds.test', port: 9001, priority: 10 },
    ],
  });
  dns.set('n1.seeds.test', { a: ['10.0.1.1'] });
  dns.set('n2.seeds.test', { a: ['10.0.1.2'] });
});
afterAll(async () => {
  await dns.close();
});

describe('seeds', () => {
  it('parses the three forms', () => {
    expect(parseSeed('127.0.0.1:9000')).toEqual({
      kind: 'static',
      address: { host: '127.0.0.1', port: 9000 },
    });
    expect(parseSeed('dns:seeds.test:9000')).toEqual({
      kind: 'dns',
      name: 'seeds.test',
      port: 9000,
    });
    expect(parseSeed('dns:seeds.test')).toEqual({
      kind: 'dns',
      name: 'seeds.test',
      port: undefined,
    });
    expect(parseSeed('srv:_p._tcp.x')).toEqual({ kind: 'srv', name: '_p._tcp.x' });
  });

  it('refuses malformed seeds with a reason', () => {
    expect(() => parseSeed('srv:x:1')).toThrow(/no port/);
    expect(() => parseSeed('dns:x:70000')).toThrow(/1\.\.65535/);
    expect(() => parseSeed('dns:')).toThrow(/DNS name/);
    expect(() => parseSeed('x')).toThrow(/host:port/);
  });

  it('dns: gives every A and AAAA record with the port', async () => {
    const found = await resolveSeed(
      parseSeed('dns:seeds.test:9000'),
      createDnsLookup(dns.address),
      1,
    );
    expect(found).toEqual([
      { host: '10.0.0.1', port: 9000 },
      { host: '10.0.0.2', port: 9000 },
      { host: 'fd00::1', port: 9000 },
    ]);
  });

  it('dns: without a port uses the default one', async () => {
    const found = await resolveSeed(
      parseSeed('dns:n1.seeds.test'),
      createDnsLookup(dns.address),
      7,
    );
    expect(found).toEqual([{ host: '10.0.1.1', port: 7 }]);
  });

  it('srv: gives the targets by priority, resolved to addresses with their ports', async () => {
    const found = await resolveSeed(
      parseSeed('srv:_plumtree._tcp.seeds.test'),
      createDnsLookup(dns.address),
      1,
    );
    expect(found).toEqual([
      { host: '10.0.1.1', port: 9001 },
      { host: '10.0.1.2', port: 9002 },
    ]);
  });

  it('an unknown name resolves to nothing, not an error', async () => {
    const found = await resolveSeed(
      parseSeed('dns:nobody.test:1'),
      createDnsLookup(dns.address),
      1,
    );
    expect(found).toEqual([]);
  });

  it('resolveSeeds joins the seeds without duplicates', async () => {
    const found = await resolveSeeds(
      [parseSeed('dns:n1.seeds.test:9001'), parseSeed('srv:_plumtree._tcp.seeds.test')],
      createDnsLookup(dns.address),
      1,
      () => undefined,
    );
    expect(found).toEqual([
      { host: '10.0.1.1', port: 9001 },
      { host: '10.0.1.2', port: 9002 },
    ]);
  });
});
