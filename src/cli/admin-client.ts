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
