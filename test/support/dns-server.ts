/**
 * A minimal authoritative DNS server over UDP for tests: it answers A, AAAA and SRV
 * questions from a table the test can change while it runs, NXDOMAIN for unknown
 * names and an empty answer for a known name without records of the asked type.
 * Just enough of RFC 1035 (and RFC 2782 for SRV) for node's resolver.
 */
import { createSocket, type Socket } from 'node:dgram';

/** One SRV record. */
export interface SrvRecord {
  readonly target: string;
  readonly port: number;
  readonly priority?: number;
  readonly weight?: number;
}

/** The records of one name. */
export interface DnsRecords {
  a?: string[];
  aaaa?: string[];
  srv?: SrvRecord[];
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const TYPE_SRV = 33;
const CLASS_IN = 1;

function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .filter((p) => p.length > 0);
  const bufs = parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')]));
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  for (;;) {
    const len = msg[i];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: i + 1 };
    if (len >= 0xc0) throw new Error('compressed names are not expected in questions');
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
}

function ipv6Bytes(text: string): Buffer {
  const [head = '', tail = ''] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : text.includes('::') ? tail.split(':') : [];
  const groups = text.includes('::')
    ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    : text.split(':');
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

function record(type: number, ttl: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(CLASS_IN, 4);
  head.writeUInt32BE(ttl, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

/** A running test DNS server on loopback. */
export class TestDnsServer {
  readonly zone = new Map<string, DnsRecords>();
  /** Questions received, as `type name`. */
  readonly questions: string[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  /** Starts on 127.0.0.1 at a free port. */
  static async start(): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    const server = new TestDnsServer(socket, socket.address().port);
    socket.on('message', (msg, rinfo) => {
      const answer = server.answer(msg);
      if (answer) socket.send(answer, rinfo.port, rinfo.address);
    });
    return server;
  }

  /** `host:port` for `dnsServer` / `--dns-server`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  set(name: string, records: DnsRecords): void {
    this.zone.set(name.toLowerCase(), records);
  }

  private answer(msg: Buffer): Buffer | undefined {
    if (msg.length < 12) return undefined;
    const id = msg.readUInt16BE(0);
    const flags = msg.readUInt16BE(2);
    if (msg.readUInt16BE(4) !== 1) return undefined;
    let q: { name: string; end: number };
    try {
      q = readName(msg, 12);
    } catch {
      return undefined;
    }
    const type = msg.readUInt16BE(q.end);
    const question = msg.subarray(12, q.end + 4);
    this.questions.push(`${type} ${q.name}`);
    const records = this.zone.get(q.name);
    const answers: Buffer[] = [];
    if (records) {
      if (type === TYPE_A)
        for (const ip of records.a ?? [])
          answers.push(record(TYPE_A, 5, Buffer.from(ip.split('.').map(Number))));
      if (type === TYPE_AAAA)
        for (const ip of records.aaaa ?? []) answers.push(record(TYPE_AAAA, 5, ipv6Bytes(ip)));
      if (type === TYPE_SRV)
        for (const srv of records.srv ?? []) {
          const fixed = Buffer.alloc(6);
          fixed.writeUInt16BE(srv.priority ?? 10, 0);
          fixed.writeUInt16BE(srv.weight ?? 10, 2);
          fixed.writeUInt16BE(srv.port, 4);
          answers.push(record(TYPE_SRV, 5, Buffer.concat([fixed, encodeName(srv.target)])));
        }
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    // QR, authoritative, RD copied, RA; NXDOMAIN for a name not in the zone.
    header.writeUInt16BE(0x8400 | (flags & 0x0100) | 0x0080 | (records ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    return Buffer.concat([header, question, ...answers]);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
