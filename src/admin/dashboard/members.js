// The members table: up or down, address, since when, ping, the overlay's view, and
// each member's place among this node's peers in the selected root's tree.
import { ago, h } from './dom.js';

/** Renders `state.members` into the table body; clicking a row picks that member as root. */
export function drawMembers(tbody, state, onPick) {
  const eagers = new Set(state.peers.eagers);
  const lazys = new Set(state.peers.lazys);
  const active = new Set(state.active);
  const passive = new Set(state.passive ?? []);
  const rows = state.members.map((m) => {
    const overlay =
      state.overlay === 'hyparview'
        ? m.self
          ? 'self'
          : active.has(m.name)
            ? 'active'
            : passive.has(m.name)
              ? 'passive'
              : '–'
        : m.self
          ? 'self'
          : active.has(m.name)
            ? 'member'
            : '–';
    const role = m.self
      ? m.name === state.root
        ? 'root'
        : '–'
      : eagers.has(m.name)
        ? 'eager'
        : lazys.has(m.name)
          ? 'lazy'
          : '–';
    return h(
      'tr',
      {
        'data-member': m.name,
        'data-up': m.up ? 'true' : 'false',
        class: `${m.up ? 'up' : 'down'}${m.name === state.root ? ' selected' : ''}`,
        title: `show the tree of ${m.name}`,
        onclick: () => onPick(m.name),
      },
      h(
        'td',
        { class: 'name' },
        m.name,
        m.self ? h('span', { class: 'tag' }, 'this node') : undefined,
      ),
      h('td', {}, h('span', { class: `pill ${m.up ? 'up' : 'down'}` }, m.up ? 'up' : 'down')),
      h('td', { class: 'mono' }, m.address ?? '–'),
      h('td', { title: new Date(m.since).toISOString() }, `${ago(state.at - m.since)}`),
      h('td', { class: 'mono' }, m.rttMs === undefined ? '–' : `${m.rttMs.toFixed(1)} ms`),
      h('td', {}, overlay),
      h('td', {}, h('span', { class: `role ${role}` }, role)),
    );
  });
  tbody.replaceChildren(...rows);
}
