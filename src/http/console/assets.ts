/**
 * The console page's script and style, served by the router itself (`./console.js`,
 * `./console.css`): no build step, no external asset, allowed by `script-src 'self'` and
 * `style-src 'self'`. The script writes every value with `textContent` (never `innerHTML`), and
 * posts actions as JSON from the same origin.
 */

export const CONSOLE_JS = String.raw`'use strict';
(function () {
  var body = document.body;
  var refreshMs = Math.max(1000, Number(body.getAttribute('data-refresh-ms')) || 5000);
  var showValues = body.getAttribute('data-show-values') === 'true';
  var LIMIT = 200;
  var LABELS = {
    sent: 'sent', queued: 'queued', duplicate: 'duplicate', rejected: 'rejected', failed: 'failed',
    dropped: 'dropped (queue full)', replayed: 'replayed from the queue', deadLettered: 'set aside as dead letters'
  };
  var API_NAMES = { track: 'Track API', app: 'App API', pipelines: 'Data Pipelines API' };
  var selected = new Set();
  var shown = [];
  var timer = 0;
  var round = 0;
  var busy = false;
  var isolationHeld = false;

  function byId(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  }

  function cell(content, className) {
    var td = document.createElement('td');
    if (content instanceof Node) td.appendChild(content);
    else td.textContent = content === undefined || content === null ? '' : String(content);
    if (className) td.className = className;
    return td;
  }

  function when(iso) {
    if (!iso) return '-';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function age(ms) {
    if (typeof ms !== 'number' || !(ms > 0)) return '-';
    if (ms < 1000) return ms + ' ms';
    if (ms < 120000) return Math.round(ms / 1000) + ' s';
    if (ms < 7200000) return Math.round(ms / 60000) + ' min';
    return Math.round(ms / 3600000) + ' h';
  }

  function say(text, isError) {
    var m = byId('message');
    m.textContent = text;
    m.className = isError ? 'error' : 'ok';
  }

  function call(path, payload) {
    var init = { method: 'GET', credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } };
    if (payload !== undefined) {
      init.method = 'POST';
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var why = data && typeof data.error === 'string' ? data.error : 'HTTP ' + res.status;
          throw new Error(why);
        }
        return data;
      });
    });
  }

  function renderStatus(s) {
    var circuits = byId('circuits').tBodies[0];
    var rows = [];
    var apis = s.apis || {};
    Object.keys(apis).forEach(function (api) {
      var a = apis[api];
      var tr = document.createElement('tr');
      tr.setAttribute('data-api', api);
      tr.appendChild(cell(API_NAMES[api] || api));
      tr.appendChild(cell(a.circuit_state, 'state state-' + String(a.circuit_state).toLowerCase()));
      tr.appendChild(cell(a.failure_count));
      tr.appendChild(cell(when(a.last_failure)));
      rows.push(tr);
    });
    circuits.replaceChildren.apply(circuits, rows);

    isolationHeld = !!(s.isolation && s.isolation.held);
    byId('isolation').textContent = isolationHeld
      ? 'Held open from this console since ' + when(s.isolation.since) + '.'
      : 'Not held by this console.';

    var q = s.queue || {};
    var dl = byId('queue');
    var items = [
      ['store', q.store], ['waiting', q.depth], ['oldest waiting for', age(q.oldest_age_ms)],
      ['dropped (queue full)', q.dropped], ['dead letters', q.dead_letter]
    ];
    var nodes = [];
    items.forEach(function (pair) {
      var dt = el('dt', pair[0]);
      var dd = el('dd', pair[1]);
      dd.setAttribute('data-field', pair[0]);
      nodes.push(dt, dd);
    });
    dl.replaceChildren.apply(dl, nodes);

    var o = s.outcomes || {};
    byId('outcomes-recent').textContent = 'last ' + age(o.windowMs);
    byId('outcomes-total').textContent = 'since ' + when(o.since);
    var outcomes = byId('outcomes').tBodies[0];
    var orows = [];
    Object.keys(LABELS).forEach(function (kind) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-outcome', kind);
      tr.appendChild(cell(LABELS[kind]));
      tr.appendChild(cell(o.recent ? o.recent[kind] : 0, 'num'));
      tr.appendChild(cell(o.total ? o.total[kind] : 0, 'num'));
      orows.push(tr);
    });
    outcomes.replaceChildren.apply(outcomes, orows);

    byId('updated').textContent = 'status ' + s.status + ', updated ' + when(s.at);
  }

  function renderDead(d) {
    shown = d.items.map(function (item) { return item.id; });
    var present = new Set(shown);
    selected.forEach(function (id) { if (!present.has(id)) selected.delete(id); });
    var tbody = byId('dead').tBodies[0];
    var rows = d.items.map(function (item) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-id', item.id);
      var box = document.createElement('input');
      box.type = 'checkbox';
      box.className = 'select';
      box.checked = selected.has(item.id);
      box.setAttribute('aria-label', 'Select dead letter ' + item.id);
      box.addEventListener('change', function () {
        if (box.checked) selected.add(item.id); else selected.delete(item.id);
        updateButtons();
      });
      tr.appendChild(cell(box));
      tr.appendChild(cell(when(item.deadAt)));
      tr.appendChild(cell(item.operation, 'operation'));
      tr.appendChild(cell(item.person || '-', 'person'));
      tr.appendChild(cell(item.reason, 'reason'));
      tr.appendChild(cell(item.attempts, 'num'));
      if (showValues) tr.appendChild(cell(el('code', JSON.stringify(item.args === undefined ? null : item.args)), 'values'));
      var discard = el('button', 'Discard', 'discard');
      discard.type = 'button';
      discard.setAttribute('aria-label', 'Discard dead letter ' + item.id);
      discard.addEventListener('click', function () {
        act('Discard', 'api/discard', { id: item.id }, 'Discard this ' + item.operation + ' for good? It will not be sent.');
      });
      tr.appendChild(cell(discard));
      return tr;
    });
    tbody.replaceChildren.apply(tbody, rows);
    byId('dead-empty').hidden = rows.length > 0;
    byId('dead').hidden = rows.length === 0;
    byId('dead-count').textContent = d.total > rows.length ? 'showing the oldest ' + rows.length + ' of ' + d.total : rows.length + ' held';
    updateButtons();
  }

  function updateButtons() {
    byId('redrive-selected').disabled = busy || selected.size === 0;
    byId('redrive-all').disabled = busy || shown.length === 0;
    byId('isolate').disabled = busy || isolationHeld;
    byId('release').disabled = busy || !isolationHeld;
    byId('flush').disabled = busy;
    var all = byId('select-all');
    all.checked = shown.length > 0 && selected.size === shown.length;
    all.disabled = shown.length === 0;
    Array.prototype.forEach.call(document.querySelectorAll('button.discard'), function (b) { b.disabled = busy; });
  }

  function refresh() {
    clearTimeout(timer);
    var mine = ++round;
    return Promise.all([call('api/status'), call('api/dead-letters?limit=' + LIMIT)]).then(function (both) {
      if (mine !== round) return;
      renderStatus(both[0]);
      renderDead(both[1]);
    }, function (err) {
      if (mine === round) say('Could not refresh: ' + err.message, true);
    }).then(function () {
      if (mine === round) timer = setTimeout(refresh, refreshMs);
    });
  }

  function done(path, r) {
    if (path === 'api/redrive') return 'Re-drove ' + r.moved + ' dead letter' + (r.moved === 1 ? '' : 's') + '.';
    if (path === 'api/discard') return 'Discarded ' + r.discarded + ' dead letter' + (r.discarded === 1 ? '' : 's') + '.';
    if (path === 'api/isolate') return 'Circuits held open: calls go to the queue.';
    if (path === 'api/release') return r.released ? 'Circuits released.' : 'This console held no circuit.';
    if (path === 'api/flush') return 'Flush: ' + r.delivered + ' delivered, ' + r.remaining + ' still waiting.';
    return 'Done.';
  }

  function act(label, path, payload, question) {
    if (busy) return;
    if (question && !window.confirm(question)) return;
    busy = true;
    updateButtons();
    say(label + '...', false);
    call(path, payload).then(function (r) {
      if (path === 'api/redrive' || path === 'api/discard') selected.clear();
      say(done(path, r), false);
    }, function (err) {
      say(label + ' failed: ' + err.message, true);
    }).then(function () {
      busy = false;
      updateButtons();
      return refresh();
    });
  }

  byId('redrive-selected').addEventListener('click', function () {
    act('Re-drive', 'api/redrive', { ids: Array.from(selected) });
  });
  byId('redrive-all').addEventListener('click', function () {
    act('Re-drive all', 'api/redrive', { all: true }, 'Re-drive every dead letter, not only those shown?');
  });
  byId('isolate').addEventListener('click', function () {
    act('Isolate', 'api/isolate', {}, 'Hold the circuits open? Calls will be queued, not sent, until you release them.');
  });
  byId('release').addEventListener('click', function () { act('Release', 'api/release', {}); });
  byId('flush').addEventListener('click', function () { act('Flush', 'api/flush', {}); });
  byId('select-all').addEventListener('change', function (e) {
    if (e.target.checked) shown.forEach(function (id) { selected.add(id); }); else selected.clear();
    Array.prototype.forEach.call(document.querySelectorAll('#dead input.select'), function (b) { b.checked = e.target.checked; });
    updateButtons();
  });

  updateButtons();
  refresh();
})();
`;

export const CONSOLE_CSS = String.raw`:root { color-scheme: light dark; --muted: #666; --bad: #b00020; --good: #1b6e20; --warn: #8a5a00; --line: #8883; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; padding: 1rem 1.5rem 3rem; max-width: 80rem; }
header h1 { margin: 0; font-size: 1.4rem; }
.sub, .note { color: var(--muted); margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; }
td.reason, td.person { overflow-wrap: anywhere; }
td.values code { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
.state { font-weight: 600; }
.state-closed { color: var(--good); }
.state-open, .state-isolated { color: var(--bad); }
.state-half_open { color: var(--warn); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; }
.actions { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .6rem 0; }
button { font: inherit; padding: .3rem .8rem; cursor: pointer; }
button:disabled { cursor: default; opacity: .55; }
#message { min-height: 1.4em; margin: .5rem 0; }
#message.error { color: var(--bad); }
#message.ok { color: var(--good); }
[hidden] { display: none !important; }
`;

/** The page's icon (so the browser does not ask the app for `/favicon.ico`). */
export const CONSOLE_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#1b6e20"/><path d="M4 8h8" stroke="#fff" stroke-width="2"/></svg>\n';
