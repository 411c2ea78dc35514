/**
 * A self-contained SVG picture of one root's broadcast tree: nodes in layers by their
 * eager-hop distance from the root, eager links solid, lazy links dashed.
 */
import { eagerTree, type TreeNodes } from './tree-render.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the tree rooted at `root` as an SVG document. */
export function treeSvg(
  root: string,
  nodes: TreeNodes,
  title = `Broadcast tree rooted at ${root}`,
): string {
  const { children, unreached } = eagerTree(root, nodes);
  const layers: string[][] = [];
  const depth = new Map<string, number>();
  const visit = (n: string, d: number) => {
    depth.set(n, d);
    const layer = layers[d];
    if (layer) layer.push(n);
    else layers[d] = [n];
    for (const k of children.get(n) ?? []) visit(k, d + 1);
  };
  visit(root, 0);
  if (unreached.length > 0) layers.push(unreached);

  const colW = 110;
  const rowH = 90;
  // The title and the legend get lines of their own, and the picture is at least as wide
  // as the title (about 8.5 px a character at 15 px bold), so they never overlap.
  const top = 100;
  const width = Math.ceil(
    Math.max(Math.max(...layers.map((l) => l.length), 1) * colW + 40, title.length * 8.5 + 40, 300),
  );
  const height = (layers.length - 1) * rowH + top + 40;
  const pos = new Map<string, { x: number; y: number }>();
  layers.forEach((layer, d) => {
    const offset = (width - layer.length * colW) / 2;
    layer.forEach((n, i) => {
      pos.set(n, { x: offset + i * colW + colW / 2, y: top + d * rowH });
    });
  });

  const lines: string[] = [];
  const drawn = new Set<string>();
  for (const [n, info] of Object.entries(nodes)) {
    if (info === 'down') continue;
    for (const [peers, kind] of [
      [info.eagers, 'eager'],
      [info.lazys, 'lazy'],
    ] as const) {
      for (const p of peers) {
        const key = [n, p].sort().join('|') + kind;
        const a = pos.get(n);
        const b = pos.get(p);
        if (drawn.has(key) || !a || !b) continue;
        drawn.add(key);
        lines.push(
          kind === 'eager'
            ? `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="#1f6feb" stroke-width="2.5"/>`
            : `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="#999" stroke-width="1" stroke-dasharray="4 4"/>`,
        );
      }
    }
  }
  const circles = [...pos.entries()].map(([n, { x, y }]) => {
    const fill = n === root ? '#f0883e' : nodes[n] === 'down' ? '#ccc' : '#fff';
    return `<g><circle cx="${x}" cy="${y}" r="22" fill="${fill}" stroke="#333" stroke-width="1.5"/><text x="${x}" y="${y + 4}" text-anchor="middle" font-family="sans-serif" font-size="12">${esc(n)}</text></g>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="20" y="28" font-family="sans-serif" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<g font-family="sans-serif" font-size="11" fill="#555">`,
    `<rect x="20" y="47" width="24" height="2.5" fill="#1f6feb"/><text x="50" y="52">eager</text>`,
    `<rect x="100" y="47.5" width="5" height="1" fill="#999"/><rect x="109" y="47.5" width="5" height="1" fill="#999"/><rect x="118" y="47.5" width="5" height="1" fill="#999"/><text x="130" y="52">lazy</text>`,
    `<circle cx="180" cy="48" r="6" fill="#f0883e" stroke="#333"/><text x="192" y="52">root</text>`,
    `<circle cx="236" cy="48" r="6" fill="#ccc" stroke="#333"/><text x="248" y="52">down</text>`,
    `</g>`,
    ...lines,
    ...circles,
    '</svg>',
    '',
  ].join('\n');
}
