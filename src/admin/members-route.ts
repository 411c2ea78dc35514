/**
 * `DELETE /members/:name`: an operator removes a member by hand (a node that died for
 * good, without waiting for `downAfterMs`). The removal is gossiped like a reaping; a
 * member that is in fact alive refutes it and comes back.
 */
import type { AdminBackend } from './backend.js';

/** What the route answers: a status and a JSON body. */
export interface MembersRouteAnswer {
  readonly status: number;
  readonly body: unknown;
}

const NAME_MAX = 255;

/**
 * Answers `method` on `path` when it is `/members/:name`; undefined for any other
 * path. Removing this node itself is refused (that is `POST /leave`).
 */
export async function handleMembersRoute(
  method: string,
  path: string,
  api: AdminBackend,
): Promise<MembersRouteAnswer | undefined> {
  if (!path.startsWith('/members/')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(path.slice('/members/'.length));
  } catch {
    return { status: 400, body: { error: 'the member name is not valid percent-encoding' } };
  }
  if (name.length === 0 || name.length > NAME_MAX || name.includes('/'))
    return { status: 400, body: { error: `a member name is 1..${NAME_MAX} characters, no "/"` } };
  if (method !== 'DELETE')
    return { status: 405, body: { error: `${method} not allowed on /members/:name; use DELETE` } };
  if (api.removeMember === undefined)
    return { status: 501, body: { error: 'this node cannot remove members' } };
  if (name === api.name)
    return { status: 400, body: { error: 'a node does not remove itself; use POST /leave' } };
  try {
    await api.removeMember(name);
  } catch (e) {
    if (e instanceof Error && (e.name === 'NotAMemberError' || e.name === 'UnknownMemberError'))
      return { status: 404, body: { error: e.message } };
    throw e;
  }
  return { status: 200, body: { ok: true, removed: name } };
}
