// Small time-series plots of the last few minutes, one SVG polyline each.
import { h, s, short } from './dom.js';

const W = 220;
const H = 46;

/** A plot: a title, the latest value, and a line of the last `capacity` samples. */
export class Sparkline {
  constructor(parent, { id, title, unit = '', hint = '', capacity = 300 }) {
    this.capacity = capacity;
    this.points = [];
    this.unit = unit;
    this.value = h('span', { class: 'value', 'data-metric': id }, '–');
    this.line = s('polyline', { class: 'spark', points: '' });
    this.area = s('polygon', { class: 'spark-area', points: '' });
    this.max = h('span', { class: 'muted' }, '');
    const svg = s(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'spark-svg' },
      this.area,
      this.line,
    );
    parent.append(
      h(
        'div',
        { class: 'chart', id: `chart-${id}`, title: hint },
        h('div', { class: 'chart-head' }, h('span', { class: 'chart-title' }, title), this.value),
        svg,
        this.max,
      ),
    );
  }

  /** Adds a sample (`undefined` when unknown) and redraws. */
  push(v) {
    this.points.push(v);
    if (this.points.length > this.capacity) this.points.shift();
    const known = this.points.filter((x) => x !== undefined && Number.isFinite(x));
    this.value.textContent =
      v === undefined || !Number.isFinite(v) ? '–' : `${short(v)}${this.unit}`;
    const top = Math.max(1e-9, ...known);
    this.max.textContent =
      known.length > 0 ? `max ${short(Math.max(...known))}${this.unit}` : 'not known yet';
    // The first minute spans the whole width; after it the window grows to `capacity`.
    const span = Math.min(this.capacity, Math.max(60, this.points.length));
    const step = W / (span - 1);
    const start = span - this.points.length;
    const xy = [];
    this.points.forEach((p, i) => {
      if (p === undefined || !Number.isFinite(p)) return;
      xy.push(`${((start + i) * step).toFixed(1)},${(H - 2 - (p / top) * (H - 6)).toFixed(1)}`);
    });
    this.line.setAttribute('points', xy.join(' '));
    if (xy.length > 1) {
      const first = xy[0].split(',')[0];
      const last = xy[xy.length - 1].split(',')[0];
      this.area.setAttribute('points', `${first},${H} ${xy.join(' ')} ${last},${H}`);
    } else this.area.setAttribute('points', '');
  }
}

/** The dashboard's plots, fed with consecutive state samples (rates are per second). */
export class Numbers {
  constructor(parent) {
    const mk = (id, title, unit, hint) => new Sparkline(parent, { id, title, unit, hint });
    this.plots = {
      delivered: mk(
        'delivered',
        'delivered / s',
        '',
        'payloads of any handler merged here as new, per second',
      ),
      pushes: mk(
        'pushes',
        'eager pushes / s',
        '',
        'payloads this node pushed to its eager peers, per second',
      ),
      rmr: mk(
        'rmr',
        'duplicates (RMR)',
        '',
        'redundant copies received per payload delivered (0 on a perfect tree)',
      ),
      ihave: mk('ihave', 'i_have / s', '', 'lazy announcements sent and received, per second'),
      graft: mk(
        'graft',
        'graft / s',
        '',
        'grafts sent and received (a missing payload pulled, the link made eager), per second',
      ),
      prune: mk(
        'prune',
        'prune / s',
        '',
        'prunes sent and received (a redundant link made lazy), per second',
      ),
      outstanding: mk(
        'outstanding',
        'outstanding i_have',
        '',
        'lazy announcements still waiting to be answered',
      ),
      latency: mk(
        'latency',
        'write → here',
        ' ms',
        'how long after a store write elsewhere it arrived here (median of recent ones)',
      ),
      rtt: mk('rtt', 'ping, median', ' ms', 'median smallest ping round trip to the peers'),
      bytes: mk(
        'bytes',
        'channel bytes / s',
        'B',
        'bytes sent and received on every channel, per second',
      ),
    };
    this.last = undefined;
  }

  /** Feeds one state sample. */
  push(state) {
    const c = state.counters;
    const prev = this.last;
    this.last = { at: state.at, c };
    const msgs = (side, type) => side[type] ?? 0;
    const both = (x, type) => msgs(x.sent, type) + msgs(x.received, type);
    if (!prev) {
      this.plots.outstanding.push(c.outstanding);
      return;
    }
    const dt = Math.max(0.001, (state.at - prev.at) / 1000);
    const rate = (now, before) => Math.max(0, now - before) / dt;
    const p = prev.c;
    const delivered = rate(c.delivered, p.delivered);
    const dup = rate(c.duplicates, p.duplicates);
    this.plots.delivered.push(delivered);
    this.plots.pushes.push(rate(msgs(c.sent, 'broadcast'), msgs(p.sent, 'broadcast')));
    this.plots.rmr.push(delivered > 0 ? dup / delivered : undefined);
    this.plots.ihave.push(rate(both(c, 'i_have'), both(p, 'i_have')));
    this.plots.graft.push(rate(both(c, 'graft'), both(p, 'graft')));
    this.plots.prune.push(rate(both(c, 'prune'), both(p, 'prune')));
    this.plots.outstanding.push(c.outstanding);
    this.plots.latency.push(state.kvLatencyMs);
    const rtts = state.members
      .flatMap((m) => (m.rttMs === undefined ? [] : [m.rttMs]))
      .sort((a, b) => a - b);
    this.plots.rtt.push(rtts.length > 0 ? rtts[Math.floor(rtts.length / 2)] : undefined);
    this.plots.bytes.push(rate(c.bytesSent + c.bytesReceived, p.bytesSent + p.bytesReceived));
  }
}
