/** A run's readable trace: one line per event, by node and simulated time. Off by default. */
export class Trace {
  readonly lines: string[] = [];
  constructor(readonly enabled: boolean) {}

  /** Records `text` at `time` for `node` (`-` for the world itself). */
  add(time: number, node: string, text: string): void {
    if (this.enabled)
      this.lines.push(`${time.toFixed(1).padStart(9)} ms  ${node.padEnd(6)} ${text}`);
  }
}

/** A short text form of a message for the trace. */
export function describeMessage(msg: unknown): string {
  const m = msg as { type?: unknown; id?: unknown; root?: unknown; entries?: unknown[] };
  const parts = [String(m.type)];
  if (m.root !== undefined) parts.push(`root=${String(m.root)}`);
  if (m.id !== undefined) parts.push(`id=${JSON.stringify(m.id)}`);
  if (Array.isArray(m.entries)) parts.push(`entries=${m.entries.length}`);
  return parts.join(' ');
}
