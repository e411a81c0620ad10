// The dependency graph of an app, live: pick an app and a page, see its
// entities and bindings, click an entity for its dependencies and
// dependents, rename it, and follow other editors' changes over Socket.IO.
import * as api from './api.js';
import { ancestors, buildModel, dependencies, groupDependents, neighbourhood, normalizeApps, pairsOf } from './model.js';
import { lineDiff } from './diff.js';
import { GraphView, OFF } from './graph.js';
import { changePlace, explain } from './messages.js';
import { connectLive } from './live.js';

const $ = (id) => document.getElementById(id);

/** Replaces an element's children, skipping null and false. */
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c != null && c !== false));
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const state = {
  apps: [],
  appId: null,
  page: null,
  model: null,
  selected: null,
  preview: null, // {page, oldName, newName} of the last successful preview
  graphVersion: 0,
  loading: 0, // token of the graph load in flight
  selecting: 0, // token of the dependents query in flight
  seqs: new Map(), // appId → last push seq seen
  events: [], // last pushes, for tests and debugging
  conn: 'connecting',
};

// Tests drive and read the page through window.__rts and window.__cy.
window.__rts = {
  state,
  get view() {
    return view;
  },
  select: (name) => select(name),
  reload: () => loadGraph(),
};

const view = new GraphView($('graph'), {
  onSelect: (name) => select(name),
  onHover: showTooltip,
  onOpen: (name) => openBox(name, true),
});

// ---------- banner (errors for the whole page) ----------

function showBanner(msg, { secret = false } = {}) {
  $('banner-text').textContent = msg;
  $('secret-form').hidden = !secret;
  $('banner').hidden = false;
}

function hideBanner() {
  $('banner').hidden = true;
}

/** An error in words: no status codes, no store paths (see messages.js). */
function describe(err, extra = {}) {
  if (err instanceof api.ApiError) return explain(err, context(extra));
  return { text: String(err?.message ?? err), places: [] };
}

function context(extra = {}) {
  const app = state.apps.find((a) => a.id === state.appId);
  return { appId: state.appId, appName: app?.name, page: state.page, ...extra };
}

function fail(err, what) {
  showBanner(`${what}: ${describe(err).text}`, { secret: err?.status === 401 });
}

$('secret-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  api.setSecret($('secret').value.trim());
  $('secret').value = '';
  hideBanner();
  live?.reconnect();
  start();
});

// ---------- URL state: ?app=&page=&node=, and the last app and page viewed ----------

const LAST_KEY = 'rts.last';

function readURL() {
  const q = new URLSearchParams(location.search);
  return { app: q.get('app'), page: q.get('page'), node: q.get('node') };
}

/** The app and page viewed last in this browser: {app, page} or {}. */
function readLast() {
  try {
    const v = JSON.parse(localStorage.getItem(LAST_KEY) ?? '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function writeLast() {
  try {
    localStorage.setItem(LAST_KEY, JSON.stringify({ app: state.appId, page: state.page }));
  } catch {
    /* storage disabled: the page starts on the first app */
  }
}

function writeURL() {
  const q = new URLSearchParams();
  if (state.appId != null) q.set('app', state.appId);
  if (state.page != null) q.set('page', state.page);
  if (state.selected != null) q.set('node', state.selected);
  const url = `${location.pathname}?${q}`;
  if (url !== location.pathname + location.search) history.replaceState(null, '', url);
}

// ---------- apps and pages ----------

async function start() {
  document.body.dataset.state = 'loading';
  let apps;
  try {
    apps = normalizeApps(await api.listApps());
  } catch (err) {
    document.body.dataset.state = 'error';
    fail(err, 'Cannot list the apps');
    return;
  }
  state.apps = apps;
  const sel = $('app');
  fill(sel, ...apps.map((a) => h('option', { value: a.id }, a.name === a.id ? a.name : `${a.name}`)));
  if (!apps.length) {
    document.body.dataset.state = 'ready';
    showEmpty('No apps yet. Import one with `rts import APP` or POST /rts-api/v1/apps/import.');
    return;
  }
  // The URL says which app and page; without it, the last ones viewed here,
  // so that importing more apps does not switch the page to another.
  let want = readURL();
  if (!want.app) want = { ...readLast(), node: null };
  const app = apps.find((a) => a.id === want.app) ?? apps.find((a) => a.name === want.app) ?? apps[0];
  await openApp(app.id, { page: app.id === want.app || app.name === want.app ? want.page : null, node: want.node });
}

async function pagesOf(app) {
  if (app.pages) return app.pages;
  // The list gave only a count: the whole-app graph names the pages.
  const report = await api.getGraph(app.id);
  app.pages = (report?.pages ?? []).map((p) => p.name);
  return app.pages;
}

async function openApp(appId, { page = null, node = null } = {}) {
  const app = state.apps.find((a) => a.id === appId);
  if (!app) return;
  state.appId = app.id;
  $('app').value = app.id;
  live?.setApp(app.id);
  let pages;
  try {
    pages = await pagesOf(app);
  } catch (err) {
    document.body.dataset.state = 'error';
    fail(err, `Cannot read the pages of ${app.name}`);
    return;
  }
  fill($('page'), ...pages.map((p) => h('option', { value: p }, p)));
  const chosen = pages.includes(page) ? page : pages[0] ?? null;
  await openPage(chosen, { node });
}

async function openPage(page, { node = null } = {}) {
  state.page = page;
  $('page').value = page ?? '';
  state.selected = node;
  state.preview = null;
  clearRenameResult();
  writeURL();
  writeLast();
  // Containers opened or closed by hand belong to the page they were on.
  view.options.opened = new Set();
  view.options.closedByUser = new Set();
  await loadGraph({ fit: true });
}

$('app').addEventListener('change', () => openApp($('app').value));
$('page').addEventListener('change', () => openPage($('page').value));

// ---------- the graph ----------

function showEmpty(msg) {
  $('empty').textContent = msg;
  $('empty').hidden = !msg;
}

/** Loads the shown page's graph and redraws it, keeping the selection. */
async function loadGraph() {
  if (state.appId == null) return;
  const token = ++state.loading;
  document.body.dataset.state = 'loading';
  let report;
  try {
    report = await api.getGraph(state.appId, state.page ?? undefined);
  } catch (err) {
    if (token !== state.loading) return;
    document.body.dataset.state = 'error';
    fail(err, `Cannot load the graph of ${state.page ?? 'the app'}`);
    return;
  }
  if (token !== state.loading) return;
  hideBanner();
  state.model = buildModel(report, state.page);
  if (state.page == null) state.page = state.model.page;
  if (state.selected != null && !state.model.entities.has(state.selected)) state.selected = null;
  const t0 = performance.now();
  view.render(state.model, { ...options(), focus: focusSet(state.selected), keepOpen: new Set(state.selected ? ancestors(state.model, state.selected) : []) });
  state.layoutMs = Math.round(performance.now() - t0);
  renderFindings();
  renderStats();
  fill($('entity-names'), ...[...state.model.entities.keys()].sort().map((n) => h('option', { value: n })));
  if (state.selected != null && !state.model.entities.has(state.selected)) state.selected = null;
  writeURL();
  state.graphVersion++;
  document.body.dataset.graphVersion = String(state.graphVersion);
  document.body.dataset.state = 'ready';
  await select(state.selected, { reveal: false });
}

function options() {
  return { showIsolated: $('show-isolated').checked, showTriggers: $('show-triggers').checked, group: $('group').checked };
}

function focusSteps() {
  const n = Math.round(Number($('focus-steps').value));
  return Number.isFinite(n) ? Math.min(9, Math.max(1, n)) : 1;
}

/** The focus: the selection and its neighbours to N steps, or null. */
function focusSet(name) {
  if (!$('focus').checked || name == null || !state.model?.entities.has(name)) return null;
  return neighbourhood(state.model, name, focusSteps(), { triggers: $('show-triggers').checked });
}

const sameSet = (a, b) => (!a && !b) || (a && b && a.size === b.size && [...a].every((n) => b.has(n)));

/**
 * Draws what the selection needs: only its neighbourhood in focus mode,
 * and the containers around it open. Returns whether it drew again.
 */
function applySelection(name) {
  const focus = focusSet(name);
  const inside = name != null && view.cy?.getElementById(name).hasClass('inside');
  if (sameSet(focus, view.options.focus) && !inside) return false;
  view.setOptions({ ...options(), focus, keepOpen: new Set(name ? ancestors(state.model, name) : []) });
  renderStats();
  return true;
}

/** Opens (or closes) a container drawn as one box. */
function openBox(name, open) {
  const o = view.options;
  if (open) {
    o.opened.add(name);
    o.closedByUser.delete(name);
  } else {
    o.opened.delete(name);
    o.closedByUser.add(name);
    if (ancestors(state.model, state.selected ?? '').includes(name)) state.selected = name;
  }
  view.setOptions({ ...options(), keepOpen: new Set(state.selected ? ancestors(state.model, state.selected) : []) });
  renderStats();
  select(state.selected ?? name, { reveal: true });
}

function renderStats() {
  const m = state.model;
  const cy = view.cy;
  const drawn = cy ? cy.nodes().not(OFF).not('[?group], [?closed]').length : 0;
  const closed = cy ? cy.nodes('[?closed]').not(OFF) : null;
  const inClosed = closed ? closed.map((n) => view.membersOf(n.id()).length).reduce((a, b) => a + b, 0) : 0;
  const groups = cy ? cy.nodes('[?group]').length : 0;
  const isolated = [...m.entities.values()].filter((e) => !e.connected).length;
  $('isolated-count').textContent = `(${isolated})`;
  const arrows = cy ? cy.edges().not(OFF).length : 0;
  const boxes = closed?.length ? ` · ${inClosed} in ${closed.length} closed containers` : '';
  $('stats').textContent = `${drawn}/${m.entities.size} entities${boxes} · ${arrows} arrows${groups ? ` · ${groups} groups` : ''}`;
  $('stats').title =
    `${drawn} of the page's ${m.entities.size} entities drawn on their own, ${arrows} arrows` +
    (closed?.length ? `; ${inClosed} widgets drawn in their ${closed.length} closed containers (double-click one to open it, or untick “group by container”)` : '') +
    (groups ? `; ${groups} boxes group widgets that read the same entities and that nothing reads` : '');
  showEmpty(
    m.entities.size === 0
      ? 'This page has no entities.'
      : drawn === 0 && !closed?.length
        ? 'No entity on this page refers to another. Tick “without edges” to see them all.'
        : '',
  );
}

for (const id of ['show-isolated', 'show-triggers', 'focus', 'focus-steps', 'group']) {
  $(id).addEventListener('change', () => {
    view.setOptions({ ...options(), focus: focusSet(state.selected) });
    renderStats();
    select(state.selected, { reveal: false });
  });
}
$('fit').addEventListener('click', () => view.fit({ all: true }));
$('refresh').addEventListener('click', () => loadGraph());
// Search: the match is selected, its containers opened, and the view
// zooms to it.
function find() {
  const q = $('find').value.trim().toLowerCase();
  if (!q || !state.model) return;
  const names = [...state.model.entities.keys()];
  const hit = names.find((n) => n.toLowerCase() === q) ?? names.find((n) => n.toLowerCase().startsWith(q)) ?? names.find((n) => n.toLowerCase().includes(q));
  if (hit) select(hit, { reveal: true });
}
// Enter, or picking a name from the list, fires change.
$('find').addEventListener('change', find);

// ---------- tooltip ----------

function showTooltip(el, pos) {
  const tip = $('tooltip');
  if (!el) {
    tip.hidden = true;
    return;
  }
  let text;
  if (el.isNode() && el.data('group')) {
    return;
  } else if (el.isNode()) {
    const e = state.model.entities.get(el.id());
    const { out, in: inn } = pairsOf(state.model, el.id());
    const reads = out.filter((p) => !p.self).length;
    text = `${e.name}  (${kindLabel(e)})\nreads ${reads} ${reads === 1 ? 'entity' : 'entities'} · read by ${inn.length}`;
    if (el.data('closed')) text += `\nholds ${view.membersOf(e.name).length - 1} widgets: double-click to open`;
    if (e.cycle) text += '\non a cycle';
    if (e.unused) text += '\nunused';
  } else if (el.data('agg')) {
    const members = el.data('members');
    const shown = members.slice(0, 12).map(([s, t]) => `${s} → ${t}`);
    if (members.length > 12) shown.push(`… ${members.length - 12} more`);
    text = `${el.data('count')} bindings between ${el.source().id()} and ${el.target().id()}:\n${shown.join('\n')}`;
  } else if (el.data('bundle')) {
    const members = el.source().data('members');
    const shown = members.slice(0, 12).join(', ') + (members.length > 12 ? `, … ${members.length - 12} more` : '');
    text = `${members.length} widgets read ${el.target().id()}${el.data('trigger') ? '  (event)' : ''}:\n${shown}\n(click one for its own bindings)`;
  } else {
    const p = state.model.pairs.get(el.id());
    if (!p) return;
    const lines = p.bindings.slice(0, 12).map((b) => `${b.from} → ${b.to}${b.kind === 'trigger' ? '  (event)' : ''}`);
    if (p.bindings.length > 12) lines.push(`… ${p.bindings.length - 12} more`);
    if (p.cycle) lines.push('on a cycle');
    text = lines.join('\n');
  }
  tip.textContent = text;
  tip.hidden = false;
  const wrap = $('graph-wrap').getBoundingClientRect();
  const x = Math.min(pos.x + 14, wrap.width - tip.offsetWidth - 4);
  const y = Math.min(pos.y + 14, wrap.height - tip.offsetHeight - 4);
  tip.style.left = `${Math.max(0, x)}px`;
  tip.style.top = `${Math.max(0, y)}px`;
}

function kindLabel(e) {
  const k = { widget: 'widget', action: 'query', jsobject: 'JS object' }[e.kind] ?? e.kind;
  return e.type ? `${k}, ${e.type}` : k;
}

// ---------- selection: dependencies and dependents ----------

function entityLink(name, label = name) {
  return h('button', { type: 'button', class: 'entity-link', on: { click: () => select(name) } }, label);
}

/** One step of a chain: `from → to` of the first binding of a pair. */
function pairStep(p) {
  const b = p.bindings[0];
  const more = p.bindings.length > 1 ? h('span', { class: 'badge', title: p.bindings.map((x) => `${x.from} → ${x.to}`).join('\n') }, `+${p.bindings.length - 1}`) : null;
  if (!b) return h('span', { class: 'step' }, `${p.source} → ${p.target}`);
  return h(
    'span',
    { class: 'step' },
    b.from,
    h('span', { class: 'arrow' }, ' → '),
    b.to,
    b.kind === 'trigger' ? h('span', { class: 'badge trigger' }, 'event') : null,
    more,
  );
}

async function select(name, { reveal = true } = {}) {
  const m = state.model;
  if (name != null && !m?.entities.has(name)) name = null;
  const changed = name !== state.selected;
  state.selected = name;
  writeURL();
  const token = ++state.selecting;
  document.body.dataset.selection = name ?? '';
  document.body.dataset.selectionState = 'loading';
  showTooltip(null);
  if (name == null) {
    $('selection').hidden = true;
    applySelection(null);
    view.highlight(null);
    document.body.dataset.selectionState = 'ready';
    return;
  }
  applySelection(name);
  const e = m.entities.get(name);
  $('selection').hidden = false;
  $('sel-name').textContent = name;
  $('sel-kind').textContent = kindLabel(e);
  if (changed || !$('new-name').value) {
    $('new-name').value = name;
    state.preview = null;
    $('apply').disabled = true;
    if (changed) clearRenameResult();
  }
  const drawn = view.cy?.getElementById(name);
  const hidden = !drawn || drawn.empty() || drawn.is(OFF);
  const note = [];
  if (hidden) note.push(e.connected ? 'Not drawn: its edges are hidden (event handlers).' : 'Not drawn: it has no edges to other entities.');
  renderBox(name);
  if (e.unused) note.push('Unused: nothing refers to it.');
  if (e.cycle) note.push('On a cycle (see Cycles below).');
  $('sel-note').textContent = note.join(' ');
  $('sel-note').hidden = note.length === 0;

  // Dependencies: the entity-level closure of what the drawing shows.
  const deps = dependencies(m, name, { triggers: $('show-triggers').checked });
  $('deps-count').textContent = `(${deps.length})`;
  fill($('deps'), 
    ...deps.slice(0, 300).map((d) => h('li', {}, entityLink(d.entity), h('div', { class: 'chain' }, d.path.map(pairStep)))),
    deps.length > 300 ? h('li', { class: 'more' }, `… ${deps.length - 300} more`) : null,
  );
  if (!deps.length) fill($('deps'), h('li', { class: 'note' }, 'nothing'));
  const selfPairs = [...m.pairs.values()].filter((p) => p.self && p.source === name);
  const selfBindings = selfPairs.flatMap((p) => p.bindings);
  $('self-count').textContent = `(${selfBindings.length})`;
  $('self-box').hidden = selfBindings.length === 0;
  fill($('self-refs'), ...selfBindings.map((b) => h('li', { class: 'chain' }, `${b.from} → ${b.to}`)));

  $('users-count').textContent = '(…)';
  fill($('users'), h('li', { class: 'note' }, 'asking the server…'));
  view.highlight(name, deps.map((d) => d.entity), []);
  if (reveal) view.reveal(name);

  // Dependents: the server's node-level impact query.
  let groups;
  try {
    const data = await api.getDependents(state.appId, state.page, name);
    groups = groupDependents(data?.dependents, name);
  } catch (err) {
    if (token !== state.selecting) return;
    $('users-count').textContent = '';
    fill($('users'), h('li', { class: 'error' }, `Cannot ask for the dependents: ${describe(err).text}`));
    document.body.dataset.selectionState = 'error';
    return;
  }
  if (token !== state.selecting) return;
  const users = [...groups.keys()];
  view.highlight(name, deps.map((d) => d.entity), users);
  $('users-count').textContent = `(${users.length})`;
  fill($('users'), 
    ...users.slice(0, 300).map((u) =>
      h(
        'li',
        {},
        entityLink(u),
        h(
          'div',
          { class: 'chain' },
          groups
            .get(u)
            .slice(0, 6)
            .map((d) => h('span', { class: 'step' }, (d.via.length ? d.via : [d.node]).join(' → '))),
          groups.get(u).length > 6 ? h('span', { class: 'step more' }, `… ${groups.get(u).length - 6} more bindings`) : null,
        ),
      ),
    ),
    users.length > 300 ? h('li', { class: 'more' }, `… ${users.length - 300} more`) : null,
  );
  if (!users.length) fill($('users'), h('li', { class: 'note' }, 'nothing'));
  document.body.dataset.selectionState = 'ready';
}

/** For a container: how many widgets it holds, and a button to open or close it. */
function renderBox(name) {
  const members = view.boxes?.members.get(name);
  $('sel-box').hidden = !members;
  if (!members) return;
  const closed = view.isClosed(name);
  $('box-text').textContent = `Holds ${members.length} widget${members.length === 1 ? '' : 's'}${closed ? ', drawn inside it' : ''}.`;
  $('box-toggle').textContent = closed ? 'Open' : 'Close';
  $('box-toggle').onclick = () => openBox(name, closed);
}

// ---------- findings: cycles, unknown references, unused entities ----------

function renderFindings() {
  const m = state.model;
  $('cycles-count').textContent = `(${m.cycles.length})`;
  fill($('cycles'), 
    ...m.cycles.map((c) =>
      h(
        'li',
        {},
        h(
          'span',
          { class: 'chain' },
          c.flatMap((n, i) => [i ? h('span', { class: 'arrow' }, ' → ') : null, h('button', { type: 'button', class: 'entity-link', on: { click: () => select(n.split('.')[0]) } }, n)]),
        ),
      ),
    ),
  );
  if (!m.cycles.length) fill($('cycles'), h('li', { class: 'note' }, 'none'));
  $('cycles-box').open = m.cycles.length > 0;

  $('unknown-count').textContent = `(${m.unknown.length})`;
  fill($('unknown'), 
    ...m.unknown.slice(0, 500).map((u) =>
      h(
        'li',
        {},
        h('button', { type: 'button', class: 'entity-link', on: { click: () => select(u.from.split('.')[0]) } }, u.from),
        h('span', { class: 'arrow' }, ' reads '),
        h('code', {}, u.ref),
        u.reason ? h('span', { class: `badge ${u.reason}` }, u.reason) : null,
        u.reason === 'other-page' && u.page ? h('span', { class: 'note' }, ` on page ${u.page}`) : null,
        u.suggestion ? h('span', { class: 'note' }, ` did you mean ${u.suggestion}?`) : null,
      ),
    ),
    m.unknown.length > 500 ? h('li', { class: 'more' }, `… ${m.unknown.length - 500} more`) : null,
  );
  if (!m.unknown.length) fill($('unknown'), h('li', { class: 'note' }, 'none'));

  $('unused-count').textContent = `(${m.unused.length})`;
  fill($('unused'), ...m.unused.map((u) => h('li', {}, entityLink(u))));
  if (!m.unused.length) fill($('unused'), h('li', { class: 'note' }, 'none'));
}

// ---------- rename: preview, apply ----------

function clearRenameResult() {
  fill($('rename-result'));
}

function renameError(err) {
  const box = h('div', { class: 'error', role: 'alert' });
  const { text, places } = describe(err, { preview: state.previewData });
  box.append(/^cannot rename/i.test(text) ? '' : h('strong', {}, 'Cannot rename: '), text);
  if (places.length) box.append(h('ul', { class: 'places' }, places.map((p) => h('li', {}, p))));
  fill($('rename-result'), box);
}

function renderChanges(data, { applied }) {
  const changes = Array.isArray(data?.changes) ? data.changes : [];
  const count = data?.refactorCount ?? changes.reduce((n, c) => n + (c.count ?? 0), 0);
  const strings = changes.filter((c) => c.kind === 'string-reference').length;
  const head = applied
    ? h('div', { class: 'ok', role: 'status' }, `Renamed ${data?.oldName ?? ''} → ${data?.newName ?? ''}: ${count} reference${count === 1 ? '' : 's'} in ${changes.length} place${changes.length === 1 ? '' : 's'}.`)
    : h(
        'div',
        { class: 'summary' },
        `${count} reference${count === 1 ? '' : 's'} in ${changes.length} place${changes.length === 1 ? '' : 's'}`,
        strings ? h('span', { class: 'badge string-reference' }, `${strings} as strings`) : null,
      );
  const max = 150;
  const list = changes.slice(0, max).map((c) => {
    const rows = lineDiff(c.before, c.after);
    return h(
      'div',
      { class: `change ${c.kind ?? ''}` },
      h(
        'div',
        { class: 'change-head' },
        h('span', { class: 'place' }, changePlace(data?.page ?? state.page, c)),
        h('span', { class: `badge ${c.kind ?? ''}`, title: kindHelp[c.kind] ?? '' }, c.kind === 'string-reference' ? 'string reference' : c.kind),
        c.count > 1 ? h('span', { class: 'badge' }, `×${c.count}`) : null,
      ),
      h(
        'div',
        { class: 'diff' },
        rows.map((r) => {
          const cls = { '-': 'del', '+': 'ins', ' ': 'ctx', '…': 'skip' }[r.op];
          if (!r.mark) return h('div', { class: cls }, r.op === '…' ? r.text : `${r.op} ${r.text}`);
          const [s, e] = r.mark;
          return h('div', { class: cls }, `${r.op} ${r.text.slice(0, s)}`, h(r.op === '-' ? 'del' : 'ins', {}, r.text.slice(s, e)), r.text.slice(e));
        }),
      ),
    );
  });
  fill($('rename-result'), head, ...list, changes.length > max ? h('p', { class: 'more' }, `… ${changes.length - max} more changes`) : null);
}

const kindHelp = {
  reference: 'a reference in code',
  'string-reference': 'the name passed as a string to showModal, closeModal or resetWidget: check it',
  name: "the entity's own stored name",
  key: 'a key or id Appsmith stores the name in',
};

function renameRequest(dryRun) {
  return { page: state.page, oldName: state.selected, newName: $('new-name').value.trim(), dryRun };
}

$('new-name').addEventListener('input', () => {
  const r = renameRequest(true);
  const p = state.preview;
  $('apply').disabled = !(p && p.oldName === r.oldName && p.newName === r.newName && p.page === r.page);
});

$('rename-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const req = renameRequest(true);
  if (!req.oldName || !req.newName) return;
  state.preview = null;
  $('apply').disabled = true;
  $('preview').disabled = true;
  fill($('rename-result'), h('p', { class: 'note' }, 'Planning…'));
  document.body.dataset.rename = 'previewing';
  try {
    const data = await api.rename(state.appId, req);
    state.preview = { page: req.page, oldName: req.oldName, newName: req.newName };
    state.previewData = data;
    renderChanges({ oldName: req.oldName, newName: req.newName, ...data }, { applied: false });
    $('apply').disabled = false;
    document.body.dataset.rename = 'previewed';
  } catch (err) {
    renameError(err);
    document.body.dataset.rename = 'error';
  } finally {
    $('preview').disabled = false;
  }
});

$('apply').addEventListener('click', async () => {
  const req = renameRequest(false);
  const p = state.preview;
  if (!p || p.oldName !== req.oldName || p.newName !== req.newName) return;
  $('apply').disabled = true;
  $('preview').disabled = true;
  document.body.dataset.rename = 'applying';
  try {
    const data = await api.rename(state.appId, req);
    state.preview = null;
    // Follow the entity to its new name, then show the new graph: the push
    // would bring it too, but the page must not depend on pushes.
    state.selected = req.newName;
    await loadGraph();
    renderChanges({ oldName: req.oldName, newName: req.newName, ...data }, { applied: true });
    document.body.dataset.rename = 'applied';
  } catch (err) {
    renameError(err);
    document.body.dataset.rename = 'error';
  } finally {
    $('preview').disabled = false;
  }
});

// ---------- live ----------

const connText = {
  connecting: 'connecting…',
  connected: 'connected',
  live: 'live',
  reconnecting: 'reconnecting…',
  unavailable: 'live updates unavailable',
};

function onConnState({ state: s, detail, editors }) {
  state.conn = s;
  const el = $('conn');
  el.dataset.state = s;
  let text = connText[s] ?? s;
  if (s === 'live' && editors != null) text += ` · ${editors} editing`;
  el.textContent = text;
  el.title = {
    connecting: 'Connecting to Socket.IO at /rts…',
    connected: 'Connected to Socket.IO; the app room has not answered yet (the server may need a signed-in session for pushes). Reload shows the latest graph.',
    live: 'Live: changes made anywhere redraw this page.',
    reconnecting: `Connection lost (${detail}); reconnecting…`,
    unavailable: `Live updates unavailable (${detail || 'no Socket.IO at /rts'}). The page still works: it redraws after its own renames, and Reload fetches the latest graph.`,
  }[s] ?? s;
}

let refetchTimer = null;
function refetchSoon() {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(() => loadGraph(), 120);
}

function onPush(ev, p) {
  state.events.push({ event: ev, payload: p, at: Date.now() });
  if (state.events.length > 50) state.events.shift();
  if (p?.appId != null && String(p.appId) !== String(state.appId)) return;
  // Every push refetches (debounced): a replay after a recovered
  // reconnect, or a seq that restarted with the server, must not be lost.
  if (typeof p?.seq === 'number') state.seqs.set(String(state.appId), p.seq);
  if (ev === 'entity:renamed' && (p.page == null || p.page === state.page) && state.selected === p.oldName) {
    state.selected = p.newName; // follow the entity someone renamed
  }
  if (ev === 'graph:resync' || ev === 'reconnected' || p?.page == null || p.page === state.page) refetchSoon();
}

let live = null;
try {
  live = connectLive({ onState: onConnState, onEvent: onPush, secret: api.secret });
} catch (err) {
  onConnState({ state: 'unavailable', detail: String(err?.message ?? err) });
}

start();
