import { adminRequest } from '../admin-client.js';
import { adminUrl, parse } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree kv put --admin URL KEY VALUE
plumtree kv get --admin URL KEY

  Writes or reads a key of the replicated metadata store through a node's admin API.
  VALUE is parsed as JSON when it is valid JSON, else stored as a string.

  --admin URL   the node's admin API, e.g. http://127.0.0.1:8001
  -h, --help    this help`;

/** `plumtree kv put|get`. */
export const kvCommand: Command = {
  name: 'kv',
  summary: 'put or get a key of the replicated metadata store',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { admin: { type: 'string' } }, true);
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    const [op, key, value, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    if (op !== 'put' && op !== 'get') throw new UsageError('kv needs "put" or "get"');
    if (!key) throw new UsageError(`kv ${op} needs a KEY`);
    const base = adminUrl(values.admin);
    const path = `/kv/${encodeURIComponent(key)}`;
    if (op === 'get') {
      if (value !== undefined) throw new UsageError('kv get takes no VALUE');
      const got = (await adminRequest(base, 'GET', path)) as { value: unknown };
      io.out(JSON.stringify(got.value));
      return EXIT_OK;
    }
    if (value === undefined) throw new UsageError('kv put needs a VALUE');
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value;
    }
    await adminRequest(base, 'PUT', path, { value: parsed });
    io.out('ok');
    return EXIT_OK;
  },
};
