import { adminRequest, watchEvents } from '../admin-client.js';
import { adminUrl, intFlag, parse } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree kv put  --admin URL [--prefix P/S] [--context C] KEY VALUE
plumtree kv get  --admin URL [--prefix P/S] [--json] KEY
plumtree kv del  --admin URL [--prefix P/S] [--context C] KEY
plumtree kv list --admin URL [--prefix P/S] [--limit N] [--cursor C] [--json]
plumtree kv watch --admin URL [--prefix P | P/S] [--since TOKEN] [--count N]

  Reads and writes the replicated metadata store through a node's admin API.
  VALUE is parsed as JSON when it is valid JSON, else stored as a string.
  get prints the value; with concurrent writes it says so on standard error and
  --json prints the whole answer: value, siblings and the context to write against.
  put/del with --context C write only if nothing changed since the read that gave C
  (compare-and-set); a put with the context of a conflicted read resolves it.
  list prints KEY<TAB>VALUE lines, every page unless --limit or --cursor is given.
  watch prints one JSON line per change and reconnects where it left off.

  --admin URL     the node's admin API, e.g. http://127.0.0.1:8001
  --prefix P/S    where the key lives (default kv/default); watch also takes P alone
  --context C     the context from an earlier get (opaque)
  --limit N       keys per page (1..1000)
  --cursor C      continue a listing from a page's cursor
  --since TOKEN   watch: resume after this event id
  --count N       watch: exit after N change events
  --json          print the server's answer as JSON
  -h, --help      this help`;

const flags = {
  admin: { type: 'string' },
  prefix: { type: 'string' },
  context: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  since: { type: 'string' },
  count: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `plumtree kv put|get|del|list|watch`. */
export const kvCommand: Command = {
  name: 'kv',
  summary: 'put, get, delete, list or watch keys of the replicated metadata store',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(argv, flags, true);
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    const [op, key, value, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    const ops = ['put', 'get', 'del', 'list', 'watch'];
    if (op === undefined || !ops.includes(op)) {
      throw new UsageError(`kv needs one of ${ops.map((o) => `"${o}"`).join(', ')}`);
    }
    const base = adminUrl(values.admin);
    const prefix = str(values.prefix);
    if (op === 'list') return list(io, base, prefix, values, key);
    if (op === 'watch') return watch(io, base, prefix, values, key);
    if (!key) throw new UsageError(`kv ${op} needs a KEY`);
    const path = `/kv/${encodeURIComponent(key)}`;
    const context = str(values.context);
    if (op === 'get') {
      if (value !== undefined) throw new UsageError('kv get takes no VALUE');
      const got = (await adminRequest(base, 'GET', `${path}${query({ prefix })}`)) as {
        value: unknown;
        siblings?: unknown[];
      };
      if (values.json) io.out(JSON.stringify(got));
      else {
        io.out(JSON.stringify(got.value));
        if (got.siblings !== undefined) {
          io.err(`${got.siblings.length} concurrent values (kv get --json shows them all)`);
        }
      }
      return EXIT_OK;
    }
    if (op === 'del') {
      if (value !== undefined) throw new UsageError('kv del takes no VALUE');
      await adminRequest(base, 'DELETE', `${path}${query({ prefix, context })}`);
      io.out('ok');
      return EXIT_OK;
    }
    if (value === undefined) throw new UsageError('kv put needs a VALUE');
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value;
    }
    await adminRequest(base, 'PUT', `${path}${query({ prefix })}`, {
      value: parsed,
      ...(context !== undefined ? { context } : {}),
    });
    io.out('ok');
    return EXIT_OK;
  },
};

async function list(
  io: CliIo,
  base: URL,
  prefix: string | undefined,
  values: Record<string, unknown>,
  extra: string | undefined,
): Promise<number> {
  if (extra !== undefined) throw new UsageError('kv list takes no KEY');
  const limit = intFlag(values.limit, 'limit', 1, 1000);
  let cursor = str(values.cursor);
  const onePage = limit !== undefined || cursor !== undefined;
  for (;;) {
    const page = (await adminRequest(
      base,
      'GET',
      `/kv${query({ prefix, limit: limit?.toString(), cursor })}`,
    )) as { entries: { key: string; value: unknown }[]; cursor?: string };
    if (values.json) io.out(JSON.stringify(page));
    else for (const e of page.entries) io.out(`${e.key}\t${JSON.stringify(e.value)}`);
    cursor = page.cursor;
    if (cursor === undefined || onePage) {
      if (cursor !== undefined && !values.json) io.err(`more: --cursor ${cursor}`);
      return EXIT_OK;
    }
  }
}

async function watch(
  io: CliIo,
  base: URL,
  prefix: string | undefined,
  values: Record<string, unknown>,
  extra: string | undefined,
): Promise<number> {
  if (extra !== undefined) throw new UsageError('kv watch takes no KEY');
  const count = intFlag(values.count, 'count', 1, Number.MAX_SAFE_INTEGER);
  let seen = 0;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    await watchEvents(
      base,
      `/watch${query({ prefix })}`,
      str(values.since),
      (event) => {
        io.out(JSON.stringify({ event: event.event, id: event.id, ...(event.data as object) }));
        if (event.event === 'reset') {
          io.err('too far behind: list the prefix again (kv list); watching on');
        }
        if (event.event === 'put' || event.event === 'delete') {
          seen++;
          if (count !== undefined && seen >= count) controller.abort();
        }
      },
      controller.signal,
    );
  } finally {
    process.off('SIGINT', stop);
  }
  return EXIT_OK;
}
