import { adminRequest } from '../admin-client.js';
import { adminUrl, parse } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree members --admin URL [--json]

  Lists the members in a node's broadcast server view, one per line.

  --admin URL   the node's admin API, e.g. http://127.0.0.1:8001
  --json        print the admin API's JSON answer
  -h, --help    this help`;

/** `plumtree members`. */
export const membersCommand: Command = {
  name: 'members',
  summary: "list the members in a node's view",
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { admin: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const got = (await adminRequest(adminUrl(values.admin), 'GET', '/members')) as {
      members: string[];
    };
    if (values.json) io.out(JSON.stringify(got));
    else for (const m of got.members) io.out(m);
    return EXIT_OK;
  },
};
