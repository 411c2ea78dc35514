/**
 * `GET /events`: the dashboard's one Server-Sent Events stream. While at least one
 * client is connected the node samples its own state (once a second by default, one
 * sample per distinct root however many clients watch it) and pushes member and store
 * changes as they happen; with no client connected nothing runs.
 *
 * Events: `hello` (once), `state` ({@link DashboardState}), `kv-list` (the keys under
 * the client's prefix, on connect), `kv` (one changed key).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import type { AdminBackend } from './backend.js';
import type { DashboardBackend, KvEntryView } from './dashboard-backend.js';

/** Options of {@link DashboardEvents}. */
export interface DashboardEventsOptions {
  /** ms between samples while a client is connected. Default 1000. */
  readonly sampleMs?: number;
  /** Most keys sent in one `kv-list`. Default 500. */
  readonly listLimit?: number;
  readonly logger?: Logger;
}

interface Client {
  readonly res: ServerResponse;
  readonly root: string;
  readonly prefix: string;
  /** The socket's buffer is full: samples are skipped until it drains (a slow page must not grow memory). */
  congested: boolean;
}

const ROOT_MAX = 256;

/** The clients of `/events` and the sampling that feeds them. */
export class DashboardEvents {
  private readonly clients = new Set<Client>();
  private readonly sampleMs: number;
  private readonly listLimit: number;
  private readonly log: Logger;
  private timer: ReturnType<typeof setInterval> | undefined;
  private soon: ReturnType<typeof setTimeout> | undefined;
  private unwatch: (() => void)[] = [];
  private readonly sampling = new Set<string>();

  constructor(
    private readonly api: AdminBackend,
    options: DashboardEventsOptions = {},
  ) {
    this.sampleMs = options.sampleMs ?? 1000;
    this.listLimit = options.listLimit ?? 500;
    this.log = options.logger ?? silentLogger;
  }

  /** How many pages are connected (for tests and the log). */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Whether the sampler runs. */
  get isSampling(): boolean {
    return this.timer !== undefined;
  }

  /** Serves one `GET /events?root=R&prefix=P`; answers itself, errors included. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const source = this.api.dashboard;
    const fail = (status: number, error: string) => {
      const text = JSON.stringify({ error });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    if (req.method !== 'GET') {
      fail(405, `${req.method} not allowed on /events; use GET`);
      return;
    }
    if (!source) {
      fail(404, 'this node serves no dashboard data');
      return;
    }
    const root = url.searchParams.get('root') ?? this.api.name;
    const prefix = url.searchParams.get('prefix') ?? '';
    if (root.length === 0 || root.length > ROOT_MAX) {
      fail(400, `"root" must be 1..${ROOT_MAX} characters`);
      return;
    }
    if (prefix.length > 1024) {
      fail(400, '"prefix" must be at most 1024 characters');
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: Client = { res, root, prefix, congested: false };
    res.on('drain', () => {
      client.congested = false;
    });
    const drop = () => this.remove(client);
    req.on('close', drop);
    res.on('error', drop);

    res.write('retry: 2000\n\n');
    this.send(client, 'hello', {
      name: this.api.name,
      writable: true,
      deletable: this.api.kvDelete !== undefined,
      sampleMs: this.sampleMs,
    });
    const list = source.kvList(prefix, this.listLimit);
    this.send(client, 'kv-list', { prefix, ...list });
    this.add(client, source);
    void this.sample(root);
  }

  /** Ends every stream and stops sampling. */
  close(): void {
    for (const c of [...this.clients]) {
      c.res.end();
      this.remove(c);
    }
  }

  private add(client: Client, source: DashboardBackend): void {
    this.clients.add(client);
    if (this.clients.size > 1) return;
    this.log.debug('dashboard stream: sampling starts');
    this.timer = setInterval(() => this.sampleAll(), this.sampleMs);
    this.timer.unref();
    this.unwatch = [
      source.watchMembers(() => this.sampleSoon()),
      source.watchKv((entry) => this.pushKv(entry)),
    ];
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client) || this.clients.size > 0) return;
    this.log.debug('dashboard stream: no client left, sampling stops');
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.timer = undefined;
    this.soon = undefined;
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  /** A member went up or down: sample now rather than at the next tick (coalescing a burst). */
  private sampleSoon(): void {
    if (this.soon !== undefined || this.clients.size === 0) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.sampleAll();
    }, 50);
    this.soon.unref();
  }

  private sampleAll(): void {
    for (const root of new Set([...this.clients].map((c) => c.root))) void this.sample(root);
  }

  /** One sample for the clients of `root`; a sample still running is not doubled. */
  private async sample(root: string): Promise<void> {
    const source = this.api.dashboard;
    if (!source || this.sampling.has(root)) return;
    this.sampling.add(root);
    try {
      const state = await source.state(root);
      for (const c of this.clients)
        if (c.root === root && !c.congested) this.send(c, 'state', state);
    } catch (error) {
      this.log.warn('dashboard sample failed', { root, error });
    } finally {
      this.sampling.delete(root);
    }
  }

  private pushKv(entry: KvEntryView): void {
    for (const c of this.clients) if (entry.key.startsWith(c.prefix)) this.send(c, 'kv', entry);
  }

  private send(client: Client, event: string, data: unknown): void {
    let text: string;
    try {
      text = JSON.stringify(data);
    } catch (error) {
      this.log.warn('dashboard event not serialisable', { event, error });
      return;
    }
    // JSON.stringify never emits a raw newline, so one data line carries the whole event.
    if (!client.res.write(`event: ${event}\ndata: ${text}\n\n`)) client.congested = true;
  }
}
