/**
 * Draws a broadcast tree in the terminal: the eager links from the root, breadth
 * first, so the picture is the path a broadcast from the root takes.
 */

/** For each node, its eager and lazy peers in the tree of one root, or `'down'`. */
export type TreeNodes = Readonly<
  Record<string, { readonly eagers: readonly string[]; readonly lazys: readonly string[] } | 'down'>
>;

/**
 * The eager tree as parent → children, found breadth first from `root` over eager
 * links (links are symmetric, so a child's eager set names its parent too).
 */
export function eagerTree(
  root: string,
  nodes: TreeNodes,
): { children: Map<string, string[]>; unreached: string[] } {
  const children = new Map<string, string[]>();
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length > 0) {
    const n = queue.shift() as string;
    const info = nodes[n];
    const kids: string[] = [];
    if (info && info !== 'down') {
      for (const p of [...info.eagers].sort()) {
        if (!seen.has(p)) {
          seen.add(p);
          kids.push(p);
          queue.push(p);
        }
      }
    }
    children.set(n, kids);
  }
  const unreached = Object.keys(nodes)
    .filter((n) => !seen.has(n))
    .sort();
  return { children, unreached };
}

/** The tree as indented lines with box-drawing branches. */
export function renderTree(root: string, nodes: TreeNodes): string {
  const { children, unreached } = eagerTree(root, nodes);
  const lines: string[] = [root];
  const walk = (n: string, prefix: string) => {
    const kids = children.get(n) ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      const lazys = nodes[k];
      const note =
        lazys && lazys !== 'down' && lazys.lazys.length > 0
          ? `  (lazy: ${lazys.lazys.join(', ')})`
          : '';
      lines.push(`${prefix}${last ? '└── ' : '├── '}${k}${note}`);
      walk(k, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root, '');
  for (const n of unreached)
    lines.push(`${n}  (${nodes[n] === 'down' ? 'down' : 'not reached by eager links'})`);
  return lines.join('\n');
}
