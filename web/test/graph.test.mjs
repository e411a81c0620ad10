// The page in a real browser (headless Chromium through playwright-core).
//
//   RTS_URL=http://127.0.0.1:8091 node --test test/
//
// RTS_URL is a server with the page at / and the apps API (`rts serve`, or
// the Go stand-in of web/browser_test.go, which sets everything below).
// Which app and page: RTS_APP (an app id; default the first app) and
// RTS_PAGE (default the first page with edges). Optional subtests:
// RTS_CYCLES_APP/RTS_CYCLES_PAGE (a page with cycles), RTS_BIG_PAGES
// ("app|page;app|page": big pages whose labels must be readable as drawn;
// the first one also gets search, focus and containers opened), and
// RTS_LIVE_URL (a real `rts serve` with Socket.IO wired: a second page sees
// a rename made in the first without reloading; RTS_LIVE_APP, RTS_LIVE_PAGE
// choose where, RTS_LIVE_COOKIE="SESSION=…" signs the browser in when the
// server only pushes to signed-in sockets). Screenshots go to
// RTS_SCREENSHOT_DIR (default a new temporary folder); their paths are
// printed as `screenshot: PATH`. CHROMIUM_PATH: default /usr/bin/chromium.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const env = process.env;
const TIMEOUT = 30_000;

// ---------- helpers ----------

const cleanups = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
});

/** A fresh browser with a fresh profile (--user-data-dir). */
async function launch() {
  const profile = await mkdtemp(join(tmpdir(), 'rts-web-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  cleanups.push(async () => {
    await ctx.close();
    await rm(profile, { recursive: true, force: true });
  });
  return ctx;
}

let shotDir = null;
async function screenshot(page, name) {
  if (!shotDir) {
    shotDir = env.RTS_SCREENSHOT_DIR || (await mkdtemp(join(tmpdir(), 'rts-web-shots-')));
    await mkdir(shotDir, { recursive: true });
  }
  const file = join(shotDir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`screenshot: ${file}`);
  return file;
}

async function api(base, path, init) {
  const res = await fetch(base + path, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init?.headers ?? {}) },
  });
  const body = await res.json();
  assert.ok(res.ok && body.success, `${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.data;
}

const rootOf = (ref) => /^[^.[]*/.exec(ref)[0];
const entityOf = (node) => node.split('.')[0];

/** What the drawing should show, computed here from the graph JSON. */
function expected(report, pageName) {
  const page = report.pages.find((p) => p.name === pageName);
  const pairs = new Set();
  const linked = new Set();
  const incoming = new Map();
  for (const e of report.edges) {
    if (e.page !== pageName) continue;
    const s = entityOf(e.from);
    const t = rootOf(e.to);
    if (s === t) continue;
    pairs.add(`${s}→${t}`);
    linked.add(s);
    linked.add(t);
    if (!incoming.has(t)) incoming.set(t, new Set());
    incoming.get(t).add(s);
  }
  for (const c of page.cycles) {
    for (let i = 0; i + 1 < c.length; i++) {
      const s = entityOf(c[i]);
      const t = entityOf(c[i + 1]);
      pairs.add(`${s}→${t}`);
      linked.add(s);
      linked.add(t);
    }
  }
  return { page, pairs, linked, incoming };
}

/** The app and page to test on a server: env, else the first ones with edges. */
async function choose(base, appVar, pageVar) {
  const apps = await api(base, '/rts-api/v1/apps');
  assert.ok(apps.length > 0, 'the server lists no app');
  const app = apps.find((a) => a.id === env[appVar]) ?? (env[appVar] ? null : apps[0]);
  assert.ok(app, `no app ${env[appVar]} on ${base}`);
  if (env[pageVar]) return { appId: app.id, pageName: env[pageVar] };
  const whole = await api(base, `/rts-api/v1/apps/${encodeURIComponent(app.id)}/graph`);
  const withEdges = whole.pages.find((p) => whole.edges.some((e) => e.page === p.name));
  return { appId: app.id, pageName: (withEdges ?? whole.pages[0]).name };
}

async function graphOf(base, appId, pageName) {
  return api(base, `/rts-api/v1/apps/${encodeURIComponent(appId)}/graph?page=${encodeURIComponent(pageName)}`);
}

/** Opens the page on an app and page and waits for the graph to be drawn. */
async function open(ctx, base, appId, pageName, errors = []) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e));
  const q = new URLSearchParams({ app: appId, page: pageName });
  await page.goto(`${base}/?${q}`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready' && window.__cy, null, { timeout: TIMEOUT, polling: 100 });
  return page;
}

const graphVersion = (page) => page.evaluate(() => Number(document.body.dataset.graphVersion));

// What the page does not draw (graph.js OFF).
const OFF = '.hidden, .inside, .folded, .bundled';

/** A message a person reads: no status code, no store or file path. */
function assertWords(text) {
  assert.doesNotMatch(text, /\b[1-5]\d\d\b/, `a status code in: ${text}`);
  assert.doesNotMatch(text, /\/|\.json\b|rts-store|newPage|newAction|actionCollection/, `a path in: ${text}`);
}

/** Clicks an entity where cytoscape drew it, as a user would. */
async function clickEntity(page, name) {
  const at = await page.evaluate((n) => {
    const cy = window.__cy;
    const node = cy.getElementById(n);
    cy.fit(node.closedNeighborhood(), 80);
    const p = node.renderedPosition();
    const r = cy.container().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, name);
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction(
    (n) => document.body.dataset.selection === n && document.body.dataset.selectionState === 'ready',
    name,
    { timeout: TIMEOUT, polling: 100 },
  );
}

/** Renames through the side panel: type, Preview, then Apply. */
async function renameThroughPage(page, newName) {
  await page.fill('#new-name', newName);
  await page.click('#preview');
  await page.waitForFunction(() => ['previewed', 'error'].includes(document.body.dataset.rename), null, { timeout: TIMEOUT, polling: 100 });
  const state = await page.evaluate(() => document.body.dataset.rename);
  assert.equal(state, 'previewed', `preview failed: ${await page.textContent('#rename-result')}`);
  const before = await graphVersion(page);
  await page.click('#apply');
  await page.waitForFunction(() => ['applied', 'error'].includes(document.body.dataset.rename), null, { timeout: TIMEOUT, polling: 100 });
  assert.equal(await page.evaluate(() => document.body.dataset.rename), 'applied', await page.textContent('#rename-result'));
  assert.ok((await graphVersion(page)) > before, 'the graph was not redrawn after the rename');
}

// ---------- the page against RTS_URL ----------

test('the page draws a graph, marks dependents and renames', { skip: !env.RTS_URL && 'RTS_URL is not set' }, async (t) => {
  const base = env.RTS_URL.replace(/\/$/, '');
  const { appId, pageName } = await choose(base, 'RTS_APP', 'RTS_PAGE');
  const report = await graphOf(base, appId, pageName);
  const want = expected(report, pageName);
  const ctx = await launch();
  const errors = [];
  const page = await open(ctx, base, appId, pageName, errors);

  await t.test('every entity is a node; those with edges are drawn', async () => {
    const got = await page.evaluate(() => ({
      nodes: window.__cy.nodes().not('[?group]').map((n) => n.id()).sort(),
      drawn: window.__cy.nodes().not('[?group]').filter((n) => !n.hasClass('hidden')).map((n) => n.id()).sort(),
      // One edge per entity pair (a group's arrows stand for its widgets' own).
      edges: window.__cy.edges().not('[?bundle]').filter((e) => !e.data('self') || e.data('cycle')).map((e) => `${e.source().id()}→${e.target().id()}`).sort(),
      canvases: document.querySelectorAll('#graph canvas').length,
      visible: window.__cy.nodes(':visible').not('[?group]').length,
    }));
    assert.deepEqual(got.nodes, want.page.entities.map((e) => e.name).sort());
    assert.deepEqual(got.drawn, [...want.linked].sort());
    assert.equal(got.visible, want.linked.size);
    assert.deepEqual(got.edges, [...want.pairs].sort());
    assert.ok(got.canvases > 0, 'cytoscape drew no canvas');
    // Kinds differ by shape.
    const shapes = await page.evaluate(() =>
      Object.fromEntries(window.__cy.nodes().map((n) => [n.data('kind'), n.style('shape')])),
    );
    for (const [kind, shape] of Object.entries({ widget: 'round-rectangle', action: 'ellipse', jsobject: 'hexagon' })) {
      if (shapes[kind]) assert.equal(shapes[kind], shape, `${kind} shape`);
    }
    // The toggle shows the entities without edges.
    await page.check('#show-isolated');
    assert.equal(await page.evaluate(() => window.__cy.nodes(':visible').not('[?group]').length), want.page.entities.length);
    await page.uncheck('#show-isolated');
    assert.equal(await page.evaluate(() => window.__cy.nodes(':visible').not('[?group]').length), want.linked.size);
  });

  // The entity most others depend on.
  const [target] = [...want.incoming.entries()].sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0]))[0] ?? [];
  assert.ok(target, `page ${pageName} has no entity that another refers to`);

  await t.test(`clicking ${target} marks its dependents and dependencies`, async () => {
    await clickEntity(page, target);
    const deps = await api(
      base,
      `/rts-api/v1/apps/${encodeURIComponent(appId)}/dependents?page=${encodeURIComponent(pageName)}&node=${encodeURIComponent(target)}`,
    );
    const users = [...new Set(deps.dependents.map((d) => entityOf(d.node)))].filter((e) => e !== target).sort();
    assert.ok(users.length > 0, `the server lists no dependent of ${target}`);
    const marks = await page.evaluate(() =>
      Object.fromEntries(window.__cy.nodes().map((n) => [n.id(), { mark: n.data('mark'), classes: n.classes() }])),
    );
    assert.ok(marks[target].classes.includes('selected-entity'));
    for (const u of users) {
      assert.ok(marks[u].classes.includes('dependent'), `${u} depends on ${target} but is not marked (${marks[u].classes})`);
      assert.match(marks[u].mark, /dependent/);
    }
    const marked = Object.entries(marks).filter(([, m]) => m.classes.includes('dependent')).map(([n]) => n).sort();
    assert.deepEqual(marked, users);
    const panel = await page.textContent('#users');
    for (const u of users) assert.ok(panel.includes(u), `the side panel does not list ${u}`);
    // What the target refers to directly is a dependency.
    const direct = report.edges.filter((e) => e.page === pageName && entityOf(e.from) === target).map((e) => rootOf(e.to)).filter((e) => e !== target);
    for (const d of direct) assert.ok(marks[d].classes.includes('dependency'), `${target} reads ${d}, not marked`);
  });

  const names = new Set(want.page.entities.map((e) => e.name));
  let newName = `${target}Renamed`;
  for (let i = 2; names.has(newName); i++) newName = `${target}Renamed${i}`;

  await t.test('a rename to a name that is taken is refused, clearly', async () => {
    const taken = [...names].find((n) => n !== target);
    await page.fill('#new-name', taken);
    await page.click('#preview');
    await page.waitForFunction(() => ['previewed', 'error'].includes(document.body.dataset.rename), null, { timeout: TIMEOUT, polling: 100 });
    assert.equal(await page.evaluate(() => document.body.dataset.rename), 'error');
    assert.ok(await page.isVisible('#rename-result .error'));
    const text = await page.textContent('#rename-result .error');
    assert.match(text, new RegExp(`"${taken}" is already the name of`));
    assertWords(text);
    assert.ok(await page.isDisabled('#apply'));
  });

  await t.test(`preview shows every change as a diff, apply redraws (${target} → ${newName})`, async () => {
    await page.fill('#new-name', newName);
    await page.click('#preview');
    await page.waitForFunction(() => document.body.dataset.rename === 'previewed', null, { timeout: TIMEOUT, polling: 100 });
    const plan = await api(base, `/rts-api/v1/apps/${encodeURIComponent(appId)}/rename`, {
      method: 'POST',
      body: JSON.stringify({ page: pageName, oldName: target, newName, dryRun: true }),
    });
    const shown = await page.$$eval('#rename-result .change', (els) =>
      els.map((el) => ({ del: el.querySelector('.del')?.textContent ?? '', ins: el.querySelector('.ins')?.textContent ?? '', string: el.classList.contains('string-reference') })),
    );
    assert.equal(shown.length, Math.min(plan.changes.length, 150));
    // Each change is placed as page › entity › property.
    const heads = await page.$$eval('#rename-result .change-head .place', (els) => els.map((el) => el.textContent));
    assert.equal(heads.length, shown.length);
    for (const [i, c] of plan.changes.slice(0, 150).entries()) {
      assert.ok(heads[i].startsWith(`${pageName} › `), `place ${heads[i]}`);
      assert.ok(heads[i].includes(c.entity), `place ${heads[i]} lacks ${c.entity}`);
      assertWords(heads[i]);
    }
    assert.ok(shown.some((c) => c.del.includes(target) && c.ins.includes(newName)), 'no change shows the old and new name');
    assert.equal(shown.filter((c) => c.string).length, plan.changes.filter((c) => c.kind === 'string-reference').length);
    assert.ok(await page.isEnabled('#apply'));
    assert.doesNotMatch(await page.textContent('#side'), /\bnull\b|\bundefined\b|\[object /, 'the side panel shows a stray value');
    await screenshot(page, 'rename-preview');

    const before = await graphVersion(page);
    await page.click('#apply');
    await page.waitForFunction(() => ['applied', 'error'].includes(document.body.dataset.rename), null, { timeout: TIMEOUT, polling: 100 });
    assert.equal(await page.evaluate(() => document.body.dataset.rename), 'applied', await page.textContent('#rename-result'));
    assert.ok((await graphVersion(page)) > before);
    const after = await page.evaluate(
      ([o, n]) => ({ old: window.__cy.getElementById(o).length, new: window.__cy.getElementById(n).length, selected: document.body.dataset.selection }),
      [target, newName],
    );
    assert.deepEqual(after, { old: 0, new: 1, selected: newName });
    // Its dependents are still its dependents, under the new name.
    await page.waitForFunction(() => document.body.dataset.selectionState === 'ready', null, { timeout: TIMEOUT, polling: 100 });
    const marked = await page.evaluate(() => window.__cy.nodes('.dependent').length);
    assert.ok(marked > 0, 'no dependent marked after the rename');
  });

  await t.test('screenshot', async () => {
    await screenshot(page, 'graph');
  });

  await t.test('the hover tooltip goes away on a click', async () => {
    const at = await page.evaluate((OFF) => {
      const cy = window.__cy;
      const n = cy.nodes().not(OFF).not('[?group]')[0];
      cy.fit(n.closedNeighborhood(), 80);
      const p = n.renderedPosition();
      const r = cy.container().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, OFF);
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => !document.getElementById('tooltip').hidden, null, { timeout: TIMEOUT, polling: 50 });
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => document.body.dataset.selectionState === 'ready', null, { timeout: TIMEOUT, polling: 50 });
    assert.ok(await page.evaluate(() => document.getElementById('tooltip').hidden), 'the tooltip stayed after the click');
  });

  await t.test('the app and page last viewed stay selected', async () => {
    const other = await ctx.newPage();
    await other.goto(`${base}/`);
    await other.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: TIMEOUT, polling: 100 });
    const got = await other.evaluate(() => ({ app: document.getElementById('app').value, page: document.getElementById('page').value }));
    assert.deepEqual(got, { app: appId, page: pageName });
    await other.close();
  });

  await t.test('a favicon', async () => {
    const res = await fetch(`${base}/favicon.ico`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/x-icon');
  });

  await t.test('the connection state is shown', async () => {
    const conn = await page.evaluate(() => ({ state: document.getElementById('conn').dataset.state, text: document.getElementById('conn').textContent }));
    assert.ok(['connecting', 'connected', 'live', 'reconnecting', 'unavailable'].includes(conn.state), conn.state);
    assert.ok(conn.text.length > 0);
    console.log(`connection state: ${conn.state} (${conn.text})`);
  });

  // Put the name back, so that a real server is left as it was.
  await api(base, `/rts-api/v1/apps/${encodeURIComponent(appId)}/rename`, {
    method: 'POST',
    body: JSON.stringify({ page: pageName, oldName: newName, newName: target, dryRun: false }),
  });
  assert.deepEqual(errors.map(String), [], 'errors in the page');
});

test('cycles are red and listed with their path', { skip: !(env.RTS_URL && env.RTS_CYCLES_APP) && 'RTS_URL or RTS_CYCLES_APP is not set' }, async () => {
  const base = env.RTS_URL.replace(/\/$/, '');
  const { appId, pageName } = await choose(base, 'RTS_CYCLES_APP', 'RTS_CYCLES_PAGE');
  const report = await graphOf(base, appId, pageName);
  const cycles = report.pages[0].cycles;
  assert.ok(cycles.length > 0, `${appId} › ${pageName} has no cycle`);
  const ctx = await launch();
  const page = await open(ctx, base, appId, pageName);
  const got = await page.evaluate(() => ({
    red: window.__cy.edges('[?cycle]').map((e) => [e.source().id(), e.target().id(), e.style('line-color')]),
    nodes: window.__cy.nodes('[?cycle]').map((n) => n.id()),
    listed: [...document.querySelectorAll('#cycles li')].map((li) => li.textContent),
  }));
  for (const c of cycles) {
    assert.ok(got.listed.includes(c.join(' → ')), `cycle ${c.join(' → ')} not listed: ${got.listed}`);
    for (let i = 0; i + 1 < c.length; i++) {
      const e = got.red.find(([s, t]) => s === entityOf(c[i]) && t === entityOf(c[i + 1]));
      assert.ok(e, `no edge ${entityOf(c[i])} → ${entityOf(c[i + 1])}`);
      assert.equal(e[2], 'rgb(220,38,38)');
    }
  }
  await screenshot(page, 'cycles');
});

/**
 * What the default view draws, measured in the browser: every label's size
 * on screen (font size × zoom), the part of the canvas the drawing covers,
 * overlapping nodes, and which entity is drawn as what.
 */
async function measure(page) {
  return page.evaluate((OFF) => {
    const cy = window.__cy;
    const z = cy.zoom();
    const drawn = cy.elements().not(OFF);
    const labels = [];
    drawn.forEach((el) => {
      const text = el.style('label');
      if (!text || el.style('display') === 'none' || el.style('text-opacity') === '0') return;
      labels.push({ id: el.id(), text, px: parseFloat(el.style('font-size')) * z });
    });
    const bb = drawn.renderedBoundingBox({ includeLabels: true });
    const clip = (a, lo, hi) => Math.max(lo, Math.min(hi, a));
    const covered = (clip(bb.x2, 0, cy.width()) - clip(bb.x1, 0, cy.width())) * (clip(bb.y2, 0, cy.height()) - clip(bb.y1, 0, cy.height()));
    const boxes = drawn.nodes().not('[?group]').map((n) => n.boundingBox({ includeLabels: false }));
    let overlaps = 0;
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        if (a.x1 < b.x2 - 1 && b.x1 < a.x2 - 1 && a.y1 < b.y2 - 1 && b.y1 < a.y2 - 1) overlaps++;
      }
    // What each entity is drawn as: itself, or inside a closed container
    // the outermost closed one; and whether that is drawn.
    const shownAs = {};
    const drawnIds = {};
    cy.nodes().not('[?group]').forEach((n) => {
      let at = n;
      for (let p = n.id(); p; ) {
        const parent = window.__rts.state.model.entities.get(p)?.parent;
        if (parent && cy.getElementById(parent).data('closed')) at = cy.getElementById(parent);
        p = parent;
      }
      shownAs[n.id()] = at.id();
      drawnIds[at.id()] = !at.is(OFF);
    });
    return {
      zoom: z,
      labels,
      coverage: covered / (cy.width() * cy.height()),
      overlaps,
      shownAs,
      drawnIds,
      closed: cy.nodes('[?closed]').not(OFF).map((n) => n.id()),
      trace: window.__rts.view.trace,
      layoutMs: window.__rts.state.layoutMs,
      stats: document.getElementById('stats').textContent,
    };
  }, OFF);
}

const bigPages = (env.RTS_BIG_PAGES ?? '')
  .split(';')
  .filter(Boolean)
  .map((s) => s.split('|'));

test('big pages are readable as drawn: labels of 11 px or more, the canvas used', { skip: !(env.RTS_URL && bigPages.length) && 'RTS_URL or RTS_BIG_PAGES is not set' }, async (t) => {
  const base = env.RTS_URL.replace(/\/$/, '');
  const ctx = await launch();
  for (const [appId, pageName] of bigPages) {
    await t.test(`${appId} › ${pageName}`, async () => {
      const report = await graphOf(base, appId, pageName);
      const want = expected(report, pageName);
      const errors = [];
      const t0 = Date.now();
      const page = await open(ctx, base, appId, pageName, errors);
      const ms = Date.now() - t0;
      const m = await measure(page);
      const small = m.labels.filter((l) => l.px < 11);
      console.log(
        `${pageName}: ${want.page.entities.length} entities; ${m.labels.length} labels drawn, the smallest ${Math.min(...m.labels.map((l) => l.px)).toFixed(1)} px; ` +
          `${Math.round(m.coverage * 100)}% of the canvas; ${m.closed.length} containers closed; open ${ms} ms, layout ${m.layoutMs} ms (${m.stats})`,
      );
      await screenshot(page, `big-${pageName.replace(/\W+/g, '-')}`);
      assert.ok(m.labels.length > 0, 'no label drawn');
      assert.deepEqual(small, [], `labels below 11 px at the default view (zoom ${m.zoom})`);
      assert.ok(m.coverage >= 0.5, `the drawing covers ${Math.round(m.coverage * 100)}% of the canvas`);
      assert.equal(m.overlaps, 0, 'nodes overlap');
      // Every arrow between entities is drawn: between the entities or the
      // closed containers they are in, or inside one closed container.
      for (const pair of want.pairs) {
        const [a, b] = pair.split('→').map((n) => m.shownAs[n]);
        if (a !== b) assert.ok(m.drawnIds[a] && m.drawnIds[b], `${pair}, drawn as ${a} → ${b}, is not drawn`);
      }
      assert.deepEqual(errors.map(String), [], 'errors in the page');
      await page.close();
    });
  }

  const [appId, pageName] = bigPages[0];
  const report = await graphOf(base, appId, pageName);
  const page = await open(ctx, base, appId, pageName);
  const before = await measure(page);

  await t.test('search opens the containers around the match and zooms to it', async () => {
    // An entity with edges, drawn inside a closed container.
    const inside = Object.entries(before.shownAs).find(([n, at]) => before.drawnIds[at] && at !== n && report.edges.some((e) => e.page === pageName && e.from.startsWith(`${n}.`)));
    assert.ok(inside, `nothing of ${pageName} is drawn inside a closed container (${before.stats})`);
    const [name] = inside;
    await page.fill('#find', name.toLowerCase().slice(0, -1));
    await page.press('#find', 'Enter');
    await page.waitForFunction((n) => document.body.dataset.selection === n && document.body.dataset.selectionState === 'ready', name, { timeout: TIMEOUT, polling: 100 });
    await page.waitForFunction(() => !window.__cy.animated(), null, { timeout: TIMEOUT, polling: 50 });
    const got = await page.evaluate(
      ([n, OFF]) => {
        const cy = window.__cy;
        const node = cy.getElementById(n);
        const p = node.renderedPosition();
        return { drawn: !node.is(OFF), zoom: cy.zoom(), x: p.x / cy.width(), y: p.y / cy.height() };
      },
      [name, OFF],
    );
    assert.ok(got.drawn, `${name} is not drawn after the search`);
    assert.ok(got.zoom >= 1, `zoom ${got.zoom}`);
    assert.ok(Math.abs(got.x - 0.5) < 0.05 && Math.abs(got.y - 0.5) < 0.05, `${name} is not in the middle: ${got.x}, ${got.y}`);
    await screenshot(page, 'big-search');
  });

  await t.test('focus: the selection and its neighbours to N steps', async () => {
    const name = await page.evaluate(() => document.body.dataset.selection);
    const drawnWith = async (steps) => {
      await page.fill('#focus-steps', String(steps));
      await page.dispatchEvent('#focus-steps', 'change');
      await page.waitForFunction(() => document.body.dataset.selectionState === 'ready', null, { timeout: TIMEOUT, polling: 100 });
      return page.evaluate((OFF) => window.__cy.nodes().not(OFF).not('[?group]').map((n) => n.id()).sort(), OFF);
    };
    await page.check('#focus');
    const one = await drawnWith(1);
    const model = expected(report, pageName);
    const direct = new Set([name]);
    for (const p of model.pairs) {
      const [s, t] = p.split('→');
      if (s === name) direct.add(t);
      if (t === name) direct.add(s);
    }
    assert.deepEqual(one, [...direct].sort());
    const two = await drawnWith(2);
    assert.ok(two.length > one.length && one.every((n) => two.includes(n)), `2 steps ${two.length}, 1 step ${one.length}`);
    await screenshot(page, 'big-focus');
    await page.uncheck('#focus');
    await page.waitForFunction(() => document.body.dataset.selectionState === 'ready', null, { timeout: TIMEOUT, polling: 100 });
  });

  await t.test('a double-click opens a closed container', async () => {
    const box = await page.evaluate((OFF) => window.__cy.nodes('[?closed]').not(OFF).map((n) => n.id())[0], OFF);
    assert.ok(box, 'no closed container drawn');
    const at = await page.evaluate((n) => {
      const cy = window.__cy;
      const p = cy.getElementById(n).renderedPosition();
      const r = cy.container().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, box);
    await page.mouse.dblclick(at.x, at.y);
    await page.waitForFunction((n) => !window.__cy.getElementById(n).data('closed') && document.body.dataset.selectionState === 'ready', box, { timeout: TIMEOUT, polling: 100 });
    const m = await measure(page);
    assert.ok(!m.closed.includes(box), `${box} is still closed`);
  });
});

// ---------- live: against a real rts serve ----------

test(
  'live: a second page sees a rename made in the first, without reloading',
  { skip: !env.RTS_LIVE_URL && 'RTS_LIVE_URL is not set: needs a real `rts serve` with the apps API and Socket.IO' },
  async () => {
    const base = env.RTS_LIVE_URL.replace(/\/$/, '');
    const { appId, pageName } = await choose(base, 'RTS_LIVE_APP', 'RTS_LIVE_PAGE');
    const report = await graphOf(base, appId, pageName);
    const want = expected(report, pageName);
    const ctx = await launch();
    if (env.RTS_LIVE_COOKIE) {
      const [name, ...rest] = env.RTS_LIVE_COOKIE.split('=');
      await ctx.addCookies([{ name, value: rest.join('='), url: base }]);
    }
    const a = await open(ctx, base, appId, pageName);
    const b = await open(ctx, base, appId, pageName);
    for (const p of [a, b]) {
      await p.waitForFunction(() => ['connected', 'live', 'unavailable'].includes(document.getElementById('conn').dataset.state), null, {
        timeout: TIMEOUT,
        polling: 100,
      });
      const s = await p.evaluate(() => document.getElementById('conn').title);
      assert.notEqual(await p.evaluate(() => document.getElementById('conn').dataset.state), 'unavailable', s);
    }
    const [target] = [...want.incoming.entries()].sort((x, y) => y[1].size - x[1].size)[0] ?? [...want.linked].map((n) => [n]);
    assert.ok(target, 'no entity to rename');
    const names = new Set(want.page.entities.map((e) => e.name));
    let newName = `${target}Live`;
    for (let i = 2; names.has(newName); i++) newName = `${target}Live${i}`;
    const bVersion = await graphVersion(b);
    const bUrl = b.url();

    // A is the tab in front (a background tab's timers are throttled), as
    // for an editor renaming while another editor's tab is open elsewhere.
    await a.bringToFront();
    await clickEntity(a, target);
    await renameThroughPage(a, newName);
    // B was not reloaded: same document, a newer graph with the new name.
    try {
      await b.waitForFunction((n) => window.__cy.getElementById(n).length === 1, newName, { timeout: 15_000, polling: 100 });
    } catch (e) {
      const conn = await b.evaluate(() => ({ state: document.getElementById('conn').dataset.state, title: document.getElementById('conn').title }));
      const events = await b.evaluate(() => window.__rts.state.events.map((x) => x.event));
      assert.fail(
        `the second page did not show ${newName} within 15 s: connection ${conn.state} (${conn.title}); pushes received: ${JSON.stringify(events)}. ` +
          'Is the socket in the room app:<id>? The server puts only signed-in sockets in rooms: set RTS_LIVE_COOKIE or allow anonymous read-only rooms.',
      );
    }
    assert.equal(b.url(), bUrl);
    assert.ok((await graphVersion(b)) > bVersion);
    const events = await b.evaluate(() => window.__rts.state.events.map((e) => e.event));
    assert.ok(events.some((e) => e === 'entity:renamed' || e === 'graph:changed'), `B received ${events}`);
    assert.equal(await b.evaluate((o) => window.__cy.getElementById(o).length, target), 0);
    await screenshot(b, 'live-second-page');

    // And back, from A again.
    await renameThroughPage(a, target);
    await b.waitForFunction((n) => window.__cy.getElementById(n).length === 1, target, { timeout: TIMEOUT, polling: 100 });
  },
);
