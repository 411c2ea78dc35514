import type { NodeSpec } from '../../src/channels/node-spec.js';
import type { HostPort, PeerEvent, PeerTransport } from '../../src/peer-service/index.js';

/**
 * An in-process network of transports: connections are symmetric, messages arrive in
 * order on a later macrotask, and nodes can be crashed (all their links go down) and
 * brought back.
 */
export class MemoryNetwork {
  readonly nodes = new Map<string, MemoryTransport>();
  private nextPort = 20_000;

  add(name: string): MemoryTransport {
    const t = new MemoryTransport(this, {
      name,
      listenAddrs: [{ host: '127.0.0.1', port: this.nextPort++ }],
      channels: {
        default: { parallelism: 1, monotonic: false },
        membership: { parallelism: 1, monotonic: false },
      },
    });
    this.nodes.set(name, t);
    return t;
  }

  find(target: NodeSpec | HostPort): MemoryTransport | undefined {
    if ('name' in target) return this.nodes.get(target.name);
    return [...this.nodes.values()].find((n) =>
      n.spec.listenAddrs.some((a) => a.port === target.port),
    );
  }
}

export class MemoryTransport implements PeerTransport {
  readonly links = new Set<string>();
  up = true;
  private readonly dataHandlers = new Set<(peer: string, channel: string, msg: unknown) => void>();
  private readonly eventHandlers = new Set<(e: PeerEvent) => void>();

  constructor(
    private readonly net: MemoryNetwork,
    readonly spec: NodeSpec,
  ) {}

  private emit(e: PeerEvent): void {
    for (const h of this.eventHandlers) h(e);
  }

  async connect(target: NodeSpec | HostPort): Promise<NodeSpec> {
    const peer = this.net.find(target);
    if (!this.up || !peer?.up) throw new Error(`connection refused: ${JSON.stringify(target)}`);
    if (peer === this) return this.spec;
    if (!this.links.has(peer.spec.name)) {
      this.links.add(peer.spec.name);
      peer.links.add(this.spec.name);
      setImmediate(() => {
        this.emit({ type: 'up', peer: peer.spec.name });
        peer.emit({ type: 'up', peer: this.spec.name });
      });
    }
    return peer.spec;
  }

  send(peer: string, channel: string, msg: unknown): void {
    if (!this.links.has(peer)) throw new Error(`not connected to ${peer}`);
    const to = this.net.nodes.get(peer);
    const copy = structuredClone(msg);
    setImmediate(() => {
      // Like a socket that flushes before it closes: a message sent while linked
      // arrives even if the link goes down right after, unless the receiver crashed.
      if (to?.up) for (const h of to.dataHandlers) h(this.spec.name, channel, copy);
    });
  }

  onData(handler: (peer: string, channel: string, msg: unknown) => void): () => void {
    this.dataHandlers.add(handler);
    return () => this.dataHandlers.delete(handler);
  }

  onPeerEvent(handler: (e: PeerEvent) => void): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  async disconnect(peer: string): Promise<void> {
    const other = this.net.nodes.get(peer);
    if (!this.links.delete(peer)) return;
    other?.links.delete(this.spec.name);
    setImmediate(() => {
      this.emit({ type: 'down', peer });
      other?.emit({ type: 'down', peer: this.spec.name });
    });
  }

  connectedPeers(): string[] {
    return [...this.links];
  }

  /** Crash: every link goes down and nothing is delivered until {@link revive}. */
  crash(): void {
    this.up = false;
    for (const p of [...this.links]) {
      const other = this.net.nodes.get(p);
      this.links.delete(p);
      other?.links.delete(this.spec.name);
      setImmediate(() => other?.emit({ type: 'down', peer: this.spec.name }));
    }
  }

  revive(): void {
    this.up = true;
  }
}
