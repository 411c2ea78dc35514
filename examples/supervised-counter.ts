/**
 * The actor runtime in one page: a counter gen_server under a one_for_one
 * supervisor, registered by name, called and cast to, crashed on purpose and
 * restarted with fresh state under the same name.
 *
 *   npx tsx examples/supervised-counter.ts
 */
import {
  CallExitError,
  call,
  cast,
  type From,
  formatReason,
  type GenServer,
  spawnServer,
  start,
  stop,
  stopServer,
} from '../src/actors/index.js';
import { startSupervisor, whichChildren } from '../src/supervisor/index.js';

type Call = 'get' | 'crash';
type Cast = { add: number };

const counter: GenServer<number, number, Call, number, Cast> = {
  init: (start) => start,
  handleCall: (msg, _from: From<number>, n) => {
    if (msg === 'crash') throw new Error('asked to crash');
    return { reply: n, state: n };
  },
  handleCast: (msg, n) => n + msg.add,
  terminate: (reason) => console.log('  counter terminating:', formatReason(reason)),
};

const system = start();
const root = await startSupervisor(system, {
  strategy: 'one_for_one',
  intensity: 3,
  period: 5000,
  children: [
    {
      id: 'counter',
      start: (parent) => spawnServer(parent, counter, 10, { name: 'counter@demo' }),
    },
  ],
});

cast('counter@demo', { add: 5 });
console.log('counter after cast +5:', await call('counter@demo', 'get'));

const crashed = await call('counter@demo', 'crash').catch((e: unknown) => e);
console.log(
  'call that crashed it rejected with:',
  crashed instanceof CallExitError ? crashed.message : crashed,
);

await whichChildren(root); // the supervisor has handled the crash once this returns
console.log('restarted with fresh state, same name:', await call('counter@demo', 'get'));

await stopServer(root, 'shutdown', 'infinity');
stop(system);
console.log('supervision tree stopped');
