/**
 * A Server-Sent Events stream on a node:http response: events with ids (so a browser
 * or client resends the last one as `Last-Event-ID` when it reconnects), comment
 * heartbeats so dead connections are noticed, and a cap on what may queue for a slow
 * client: past it the stream is closed, and the client resumes from its last id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Options of {@link openEventStream}. */
export interface EventStreamOptions {
  /** Comment line sent this often so proxies and clients see the stream is alive (ms). */
  readonly heartbeatMs?: number;
  /** Bytes that may wait for a slow client before the stream is closed (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Suggested reconnect delay sent to the client (ms). */
  readonly retryMs?: number;
}

/** An open event stream. */
export interface EventStream {
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream (idempotent). */
  close(): void;
  /** Called once when the stream ends, whoever ended it. */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

/** Starts an event stream as the answer to `req`. */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: EventStreamOptions = {},
): EventStream {
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write(`retry: ${options.retryMs ?? 1000}\n\n`);
  const closers: (() => void)[] = [];
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    res.end();
    for (const fn of closers.splice(0)) fn();
  };
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  const write = (text: string): void => {
    if (closed) return;
    res.write(text);
    // A client that stopped reading would make this grow without bound.
    if (res.writableLength > maxBuffered) close();
  };
  req.on('close', close);
  res.on('error', close);
  return {
    send(event, data, id) {
      const lines = JSON.stringify(data);
      write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${lines}\n\n`);
    },
    close,
    onClose(fn) {
      if (closed) fn();
      else closers.push(fn);
    },
    get closed() {
      return closed;
    },
  };
}
