// Requests to this node's admin API, with the bearer token when one was given. The
// token lives in sessionStorage (this tab only) and only ever travels in a header.

const KEY = 'plumtree-admin-token';

/** The token the user gave in this tab, if any. */
export function token() {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t);
  else sessionStorage.removeItem(KEY);
}

/** The API answered 401: the page must ask for the token. */
export class NeedsTokenError extends Error {
  name = 'NeedsTokenError';
}

/** Headers for a request, the token included. */
export function headers(extra = {}) {
  const t = token();
  return t ? { ...extra, authorization: `Bearer ${t}` } : { ...extra };
}

/** A JSON request; throws NeedsTokenError on 401 and an Error with the server's message otherwise. */
export async function request(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) throw new NeedsTokenError('the admin token is missing or wrong');
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = new Error(json?.error ?? `${method} ${path}: ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return json;
}
