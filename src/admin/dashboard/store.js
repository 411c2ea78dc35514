// The store panel: keys under a prefix (sent by /events on connect), their values and
// siblings, put and delete through the JSON API, and changes as /events pushes them.
import { request } from './api.js';
import { h } from './dom.js';

const CHANGES_KEPT = 30;

function show(v) {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text;
}

/** The value field: JSON when it parses, the text itself otherwise. */
export function parseValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The store panel's state and rendering. */
export class StorePanel {
  constructor(root, { onError }) {
    this.tbody = root.querySelector('#store tbody');
    this.count = root.querySelector('#store-count');
    this.changes = root.querySelector('#store-changes');
    this.onError = onError;
    this.entries = new Map();
    this.prefix = '';
    this.more = false;
    this.deletable = false;
    this.writable = true;
  }

  /** The list for a (new) prefix, as `kv-list` sends it. */
  reset(list) {
    this.prefix = list.prefix;
    this.more = list.more;
    this.entries = new Map(list.entries.filter((e) => !e.deleted).map((e) => [e.key, e]));
    this.render();
  }

  /** One changed key, as `kv` sends it. */
  change(entry) {
    if (entry.deleted) this.entries.delete(entry.key);
    else this.entries.set(entry.key, entry);
    const what = entry.deleted ? 'deleted' : 'put';
    const item = h(
      'li',
      { class: what },
      h('span', { class: 'time' }, new Date().toISOString().slice(11, 19)),
      h('span', { class: `op ${what}` }, what),
      h('span', { class: 'mono' }, entry.key),
      entry.deleted
        ? undefined
        : h('span', { class: 'mono muted' }, entry.values.map(show).join(' | ')),
    );
    this.changes.prepend(item);
    while (this.changes.children.length > CHANGES_KEPT) this.changes.lastElementChild.remove();
    this.render(entry.key);
  }

  render(flash) {
    const keys = [...this.entries.keys()].sort();
    this.count.textContent = `${keys.length}${this.more ? '+' : ''} key${keys.length === 1 ? '' : 's'}`;
    const rows = keys.map((k) => {
      const e = this.entries.get(k);
      const siblings = e.values.length > 1;
      return h(
        'tr',
        { 'data-key': k, class: k === flash ? 'flash' : undefined },
        h('td', { class: 'mono' }, k),
        h(
          'td',
          { class: 'mono' },
          siblings
            ? h(
                'span',
                { class: 'tag warn', title: 'concurrent writes: siblings' },
                `${e.values.length} siblings`,
              )
            : undefined,
          ...e.values.map((v) => h('div', { class: 'value' }, show(v))),
        ),
        h(
          'td',
          {},
          this.writable && this.deletable
            ? h(
                'button',
                { type: 'button', class: 'small', 'data-delete': k, onclick: () => this.remove(k) },
                'delete',
              )
            : undefined,
        ),
      );
    });
    if (rows.length === 0)
      rows.push(
        h(
          'tr',
          {},
          h(
            'td',
            { colspan: 3, class: 'muted' },
            this.prefix ? `no key starts with "${this.prefix}"` : 'the store is empty',
          ),
        ),
      );
    this.tbody.replaceChildren(...rows);
  }

  async put(key, text) {
    await request('PUT', `/kv/${encodeURIComponent(key)}`, { value: parseValue(text) });
  }

  async remove(key) {
    try {
      await request('DELETE', `/kv/${encodeURIComponent(key)}`);
    } catch (e) {
      // A node without DELETE /kv/:key answers 404 or 405: hide the buttons rather than fail again.
      if (e.status === 404 || e.status === 405) {
        this.deletable = false;
        this.render();
        this.onError('this node cannot delete keys');
      } else this.onError(e.message);
    }
  }
}
