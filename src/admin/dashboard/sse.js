// Server-Sent Events over fetch: unlike EventSource it can send the Authorization
// header, so the token never has to go in the URL.
import { headers, NeedsTokenError } from './api.js';

/** Parses one SSE block into `{ event, data }` (comments and retry lines are skipped). */
export function parseBlock(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { event, data: data.join('\n') } : undefined;
}

/**
 * Reads the stream at `path` until it ends or `signal` aborts, calling
 * `onEvent(name, parsedJson)`. Resolves when the stream ends; rejects with
 * NeedsTokenError on 401, or the failure.
 */
export async function readStream(path, signal, onOpen, onEvent) {
  const res = await fetch(path, { headers: headers({ accept: 'text/event-stream' }), signal });
  if (res.status === 401) throw new NeedsTokenError('the admin token is missing or wrong');
  if (!res.ok || !res.body) throw new Error(`${path}: ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const ev = parseBlock(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (ev) {
        let data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          data = ev.data;
        }
        onEvent(ev.event, data);
      }
      end = buffer.indexOf('\n\n');
    }
  }
}
