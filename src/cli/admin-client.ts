/**
 * The CLI's client of a node's admin HTTP API: `kv`, `tree` and `members` talk to a
 * running node through it.
 */

/** The admin API answered with an error, or could not be reached. */
export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Sends one request and returns the parsed JSON answer; a 4xx/5xx throws with the server's `error`. */
export async function adminRequest(
  base: URL,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<unknown> {
  const url = new URL(path, base);
  // An admin API beyond loopback wants its bearer token; the environment keeps it off the command line.
  const token = process.env.PLUMTREE_ADMIN_TOKEN;
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    const cause =
      e instanceof Error && e.cause instanceof Error
        ? e.cause.message
        : e instanceof Error
          ? e.message
          : String(e);
    throw new AdminRequestError(`cannot reach the admin API at ${base.origin}: ${cause}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AdminRequestError(
      `${method} ${url.pathname} answered ${res.status} with a body that is not JSON`,
      res.status,
    );
  }
  if (!res.ok) {
    const msg =
      typeof json === 'object' && json !== null && 'error' in json
        ? String((json as { error: unknown }).error)
        : text;
    throw new AdminRequestError(`${method} ${url.pathname}: ${res.status} ${msg}`, res.status);
  }
  return json;
}

/** One Server-Sent Event as {@link watchEvents} hands it on. */
export interface StreamEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
}

/**
 * Follows a Server-Sent Events stream until `signal` aborts: parses events, and when
 * the connection drops, reconnects after a second with the last event id seen, so the
 * server can replay what was missed (or say it cannot). `since` is the id to start after.
 */
export async function watchEvents(
  base: URL,
  path: string,
  since: string | undefined,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
  retryMs = 1000,
): Promise<void> {
  let lastId = since;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const url = new URL(path, base);
      if (lastId !== undefined) url.searchParams.set('since', lastId);
      const res = await fetch(url, { signal, headers: { accept: 'text/event-stream' } });
      if (!res.ok || res.body === null) {
        const text = await res.text();
        throw new AdminRequestError(`GET ${url.pathname}: ${res.status} ${text}`, res.status);
      }
      failures = 0;
      let buffer = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const parsed = parseEventBlock(block);
          if (parsed !== undefined) {
            if (parsed.id !== undefined) lastId = parsed.id;
            onEvent(parsed);
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof AdminRequestError && e.status !== undefined && e.status < 500) throw e;
      // Keep trying while the node restarts, but not forever against nothing.
      if (++failures > 30) throw e;
    }
    if (signal.aborted) return;
    await new Promise((r) => setTimeout(r, retryMs));
  }
}

function parseEventBlock(block: string): StreamEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  try {
    return { event, id, data: JSON.parse(data.join('\n')) };
  } catch {
    return { event, id, data: data.join('\n') };
  }
}
