// The dashboard: one /events stream feeds every panel; writes go through the JSON API.
import { NeedsTokenError, setToken, token } from './api.js';
import { Numbers } from './charts.js';
import { h } from './dom.js';
import { drawMembers } from './members.js';
import { readStream } from './sse.js';
import { StorePanel } from './store.js';
import { drawTree } from './tree.js';

const $ = (sel) => document.querySelector(sel);

const view = {
  name: undefined,
  root: undefined,
  prefix: '',
  stream: undefined,
  retryMs: 500,
  retryTimer: undefined,
};

const numbers = new Numbers($('#charts'));
const store = new StorePanel(document, { onError: (m) => showStoreError(m) });

function setStatus(text, cls) {
  const el = $('#link-status');
  el.textContent = text;
  el.className = `status ${cls}`;
}

function showStoreError(message) {
  $('#store-error').textContent = message;
}

function askToken(message) {
  $('#auth').hidden = false;
  $('#main').hidden = true;
  $('#auth-error').textContent = message ?? '';
  setStatus('needs token', 'down');
  $('#auth-token').focus();
}

function pickRoot(root) {
  if (root === view.root) return;
  view.root = root;
  connect();
}

function updateRootPicker(state) {
  const picker = $('#root-picker');
  const names = state.members.map((m) => m.name);
  const have = [...picker.options].map((o) => o.value);
  if (have.join('\u0000') !== names.join('\u0000'))
    picker.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
  picker.value = state.root;
}

function onState(state) {
  if (state.root !== view.root) return;
  $('#node-name').textContent = state.name;
  document.title = `plumtree · ${state.name}`;
  const up = state.members.filter((m) => m.up).length;
  $('#members-count').textContent =
    `${up} up, ${state.members.length - up} down · ${state.overlay} overlay`;
  drawMembers($('#members tbody'), state, pickRoot);
  updateRootPicker(state);
  $('#tree-root').textContent = state.root;
  const t = drawTree($('#tree'), state.root, state.tree);
  $('#tree-summary').textContent =
    `${t.eager} eager, ${t.lazy} lazy links${t.unreached ? `, ${t.unreached} not reached` : ''}${t.down ? `, ${t.down} down` : ''}`;
  numbers.push(state);
}

function onEvent(name, data) {
  switch (name) {
    case 'hello':
      view.name = data.name;
      store.writable = data.writable;
      store.deletable = data.deletable;
      $('#store-put').hidden = !data.writable;
      break;
    case 'state':
      onState(data);
      break;
    case 'kv-list':
      store.reset(data);
      break;
    case 'kv':
      store.change(data);
      break;
    default:
      break;
  }
}

/** (Re)opens the one stream, for the current root and prefix. */
function connect() {
  view.stream?.abort();
  clearTimeout(view.retryTimer);
  const ctl = new AbortController();
  view.stream = ctl;
  const q = new URLSearchParams();
  if (view.root) q.set('root', view.root);
  if (view.prefix) q.set('prefix', view.prefix);
  setStatus('connecting', 'connecting');
  readStream(
    `/events?${q}`,
    ctl.signal,
    () => {
      view.retryMs = 500;
      setStatus('live', 'up');
      $('#auth').hidden = true;
      $('#main').hidden = false;
    },
    (name, data) => {
      if (name === 'hello' && !view.root) view.root = data.name;
      onEvent(name, data);
    },
  ).then(
    () => retry(ctl),
    (e) => {
      if (ctl.signal.aborted) return;
      if (e instanceof NeedsTokenError) {
        askToken(token() ? 'that token was refused' : undefined);
        return;
      }
      retry(ctl);
    },
  );
}

function retry(ctl) {
  if (ctl !== view.stream || ctl.signal.aborted) return;
  setStatus('reconnecting', 'down');
  view.retryTimer = setTimeout(connect, view.retryMs);
  view.retryMs = Math.min(view.retryMs * 2, 5000);
}

$('#auth').addEventListener('submit', (ev) => {
  ev.preventDefault();
  setToken($('#auth-token').value.trim());
  $('#auth-token').value = '';
  connect();
});

$('#root-picker').addEventListener('change', (ev) => pickRoot(ev.target.value));

$('#store-filter').addEventListener('submit', (ev) => {
  ev.preventDefault();
  view.prefix = $('#store-prefix').value;
  connect();
});

$('#store-put').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  showStoreError('');
  try {
    await store.put($('#put-key').value, $('#put-value').value);
    $('#put-value').value = '';
  } catch (e) {
    if (e instanceof NeedsTokenError) askToken('the token was refused');
    else showStoreError(e.message);
  }
});

connect();
