import { adminRequest } from '../admin-client.js';
import { adminUrl, parse } from '../args.js';
import type { Command } from '../command.js';
import { renderTree, type TreeNodes } from '../tree-render.js';
import { EXIT_OK, UsageError } from '../usage-error.js';

const usage = `plumtree tree --admin URL [--root NAME] [--json]

  Draws the broadcast tree rooted at NAME (default: the node asked) as every node
  reports it: eager links as branches, lazy links noted.

  --admin URL   the node's admin API, e.g. http://127.0.0.1:8001
  --root NAME   the root of the tree
  --json        print the admin API's JSON answer
  -h, --help    this help`;

/** `plumtree tree`. */
export const treeCommand: Command = {
  name: 'tree',
  summary: 'draw the broadcast tree of a root',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      { admin: { type: 'string' }, root: { type: 'string' }, json: { type: 'boolean' } },
      true,
    );
    if (values.help) {
      io.out(usage);
      return EXIT_OK;
    }
    if (positionals.length > 0)
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    const root = values.root;
    if (root !== undefined && (typeof root !== 'string' || root.length === 0))
      throw new UsageError('--root needs a NAME');
    const path = root ? `/tree?root=${encodeURIComponent(root)}` : '/tree';
    const got = (await adminRequest(adminUrl(values.admin), 'GET', path)) as {
      root: string;
      nodes: TreeNodes;
    };
    io.out(values.json ? JSON.stringify(got) : renderTree(got.root, got.nodes));
    return EXIT_OK;
  },
};
