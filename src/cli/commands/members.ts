import { adminRequest } from '../admin-client.js';
import { adminUrl, parse } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree members --admin URL [--json]
plumtree members remove NAME --admin URL

  Lists the members in a node's broadcast server view, one per line; or removes the
  member NAME from the cluster by hand (DELETE /members/NAME), for a node that died
  for good. A member that is in fact alive refutes the removal and comes back.

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
    if (positionals[0] === 'remove') {
      const [, name, ...rest] = positionals;
      if (name === undefined || name.length === 0)
        throw new UsageError('members remove needs the NAME of the member');
      if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
      const answer = await adminRequest(
        adminUrl(values.admin),
        'DELETE',
        `/members/${encodeURIComponent(name)}`,
      );
      io.out(values.json ? JSON.stringify(answer) : `removed ${name}`);
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
