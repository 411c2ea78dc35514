/**
 * The actor-level API (contract section 2): your own nact system and root tree, a
 * broadcast server spawned under your supervisor, driven with plain nact `dispatch`
 * and `query`. Two servers in one process talk through a tiny loopback transport; in
 * a real deployment the transport is the channels layer (startNode wires it).
 *
 *   npx tsx examples/actor-level.ts
 */
import {
  type ActorRef,
  type BroadcastHandler,
  type BroadcastTransport,
  broadcastServerName,
  cast,
  dispatch,
  query,
  spawnBroadcastServer,
  spawnSupervisor,
  start,
  stop,
  whichChildren,
} from '../src/index.js';

/** Delivers each message to the peer's registered server on the next turn of the loop. */
const loopback = (self: string): BroadcastTransport => ({
  send: (peer, _channel, msg) =>
    setImmediate(() => cast(broadcastServerName(peer), { type: 'wire', from: self, msg })),
});

function printer(
  node: string,
): BroadcastHandler<{ id: string; text: string }, string, { id: string; text: string }> {
  const seen = new Map<string, { id: string; text: string }>();
  return {
    name: 'chat',
    broadcastData: (m) => {
      seen.set(m.id, m);
      return { id: m.id, payload: m };
    },
    merge: (id, payload) => {
      if (seen.has(id)) return false;
      seen.set(id, payload);
      console.log(`${node} delivered ${id}: ${payload.text}`);
      return true;
    },
    isStale: (id) => seen.has(id),
    graft: (id) => (seen.has(id) ? { ok: seen.get(id) as { id: string; text: string } } : 'stale'),
    exchange: () => 'ignore',
  };
}

const system = start();
const members = ['a', 'b'];
const root = spawnSupervisor(system, {
  strategy: 'one_for_one',
  intensity: 3,
  period: 5000,
  children: members.map((node) => ({
    id: `broadcast-${node}`,
    start: (parent: ActorRef) =>
      spawnBroadcastServer(parent, {
        node,
        members,
        eagers: members.filter((m) => m !== node),
        lazys: [],
        handlers: [printer(node)],
        opts: {},
        transport: loopback(node),
      }),
  })),
});
// The supervisor answers once its children have started.
const bcastA = (await whichChildren(root))[0]?.ref as ActorRef;
dispatch(bcastA, {
  type: 'broadcast',
  message: { id: 'm1', text: 'hello from a' },
  handler: 'chat',
});
dispatch(bcastA, { type: 'update', members: ['a', 'b'] });
const view = await query(
  bcastA,
  (replyTo: ActorRef) => ({ type: 'broadcastMembers', replyTo }),
  1000,
);
console.log('a sees members', view);
await new Promise((r) => setTimeout(r, 50));
stop(system);
