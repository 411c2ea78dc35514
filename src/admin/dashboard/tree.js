// The tree of one root as an SVG picture: nodes in layers by eager hops from the root,
// eager links solid, lazy links dashed, down nodes greyed and crossed out.
import { s } from './dom.js';

/**
 * The links of a tree answer (`{ node: {eagers, lazys} | 'down' }`), undirected, between
 * nodes that are up: eager when either end holds the other eager.
 */
export function treeLinks(nodes) {
  const up = (n) => nodes[n] !== undefined && nodes[n] !== 'down';
  const eager = new Map();
  const lazy = new Map();
  for (const [n, info] of Object.entries(nodes)) {
    if (info === 'down') continue;
    for (const p of info.eagers) if (up(p)) eager.set([n, p].sort().join('\u0000'), [n, p].sort());
  }
  for (const [n, info] of Object.entries(nodes)) {
    if (info === 'down') continue;
    for (const p of info.lazys) {
      const k = [n, p].sort().join('\u0000');
      if (up(p) && !eager.has(k)) lazy.set(k, [n, p].sort());
    }
  }
  return { eager: [...eager.values()], lazy: [...lazy.values()] };
}

/** Layers of up nodes by eager hops from `root`, then up nodes no eager path reaches, then down ones. */
export function layout(root, nodes) {
  const { eager, lazy } = treeLinks(nodes);
  const adj = new Map();
  for (const [a, b] of eager) {
    if (!adj.has(a)) adj.set(a, []);
    if (!adj.has(b)) adj.set(b, []);
    adj.get(a).push(b);
    adj.get(b).push(a);
  }
  const names = Object.keys(nodes).sort();
  const depth = new Map();
  const layers = [];
  if (nodes[root] !== undefined && nodes[root] !== 'down') {
    depth.set(root, 0);
    let frontier = [root];
    while (frontier.length > 0) {
      layers.push(frontier);
      const next = [];
      for (const n of frontier)
        for (const p of (adj.get(n) ?? []).sort())
          if (!depth.has(p)) {
            depth.set(p, depth.get(n) + 1);
            next.push(p);
          }
      frontier = next;
    }
  }
  const unreached = names.filter((n) => !depth.has(n) && nodes[n] !== 'down');
  const down = names.filter((n) => nodes[n] === 'down');
  return { layers, unreached, down, eager, lazy, spanning: unreached.length === 0 };
}

const COL = 96;
const ROW = 78;
const R = 21;

/** Draws the tree into `container`, replacing what was there. */
export function drawTree(container, root, nodes) {
  const { layers, unreached, down, eager, lazy } = layout(root, nodes);
  const rows = [...layers];
  if (unreached.length > 0) rows.push(unreached);
  if (down.length > 0) rows.push(down);
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = Math.max(360, widest * COL + 40);
  const height = Math.max(1, rows.length) * ROW + 30;
  const pos = new Map();
  rows.forEach((row, d) => {
    const offset = (width - row.length * COL) / 2;
    row.forEach((n, i) => {
      pos.set(n, { x: offset + i * COL + COL / 2, y: 40 + d * ROW });
    });
  });

  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    height,
    role: 'img',
    'aria-label': `broadcast tree of ${root}`,
  });
  for (const [a, b] of lazy) {
    const p = pos.get(a);
    const q = pos.get(b);
    svg.append(
      s('line', {
        x1: p.x,
        y1: p.y,
        x2: q.x,
        y2: q.y,
        class: 'link lazy',
        'data-edge': 'lazy',
        'data-a': a,
        'data-b': b,
      }),
    );
  }
  for (const [a, b] of eager) {
    const p = pos.get(a);
    const q = pos.get(b);
    svg.append(
      s('line', {
        x1: p.x,
        y1: p.y,
        x2: q.x,
        y2: q.y,
        class: 'link eager',
        'data-edge': 'eager',
        'data-a': a,
        'data-b': b,
      }),
    );
  }
  if (unreached.length > 0 || down.length > 0) {
    const y = 40 + layers.length * ROW - ROW / 2;
    svg.append(s('line', { x1: 10, y1: y, x2: width - 10, y2: y, class: 'separator' }));
  }
  for (const [n, { x, y }] of pos) {
    const isDown = nodes[n] === 'down';
    const cls = isDown
      ? 'node down'
      : n === root
        ? 'node root'
        : unreached.includes(n)
          ? 'node unreached'
          : 'node';
    const label = s('text', { x, y: y + 4, 'text-anchor': 'middle' });
    label.textContent = n.length > 9 ? `${n.slice(0, 8)}…` : n;
    const title = s('title');
    title.textContent = isDown ? `${n}: down` : n;
    const g = s(
      'g',
      { class: cls, 'data-node': n, 'data-status': isDown ? 'down' : 'up' },
      title,
      s('circle', { cx: x, cy: y, r: R }),
      label,
    );
    if (isDown)
      g.append(
        s('line', { x1: x - 14, y1: y - 14, x2: x + 14, y2: y + 14, class: 'cross' }),
        s('line', { x1: x + 14, y1: y - 14, x2: x - 14, y2: y + 14, class: 'cross' }),
      );
    svg.append(g);
  }
  container.replaceChildren(svg);
  return { eager: eager.length, lazy: lazy.length, unreached: unreached.length, down: down.length };
}
