// The page's view of one page's graph (SPEC §3), reduced to entities and
// entity-to-entity edges. Pure functions: no DOM, so node --test runs them.

/** The entity part of a reference: the text before the first `.` or `[`. */
export function rootOf(ref) {
  const m = /^[^.[]*/.exec(ref);
  return m ? m[0] : ref;
}

/** The entity a binding node belongs to: the text before the first dot. */
export function entityOf(node) {
  const i = node.indexOf('.');
  return i < 0 ? node : node.slice(0, i);
}

/** The text of a node or reference after its entity ("" for the entity). */
export function pathOf(node, entity = rootOf(node)) {
  return node.slice(entity.length).replace(/^\./, '');
}

const KINDS = new Set(['widget', 'action', 'jsobject']);

/**
 * buildModel reduces a graph report to what the page draws.
 *
 * entities: Map name → {name, kind, type, unused, cycle, connected}
 * pairs:    Map id → {id, source, target, bindings:[{from,to,kind}],
 *           trigger (every binding is an event handler), cycle, self, drawn}
 *           one per (source entity, target entity): source's bindings refer
 *           to target.
 * cycles:   the page's cycles (lists of nodes, first = last);
 * unknown, unused: as reported.
 */
export function buildModel(report, pageName) {
  const pages = report?.pages ?? [];
  const page = pages.find((p) => p.name === pageName) ?? pages[0] ?? { name: pageName ?? '', entities: [] };
  const name = page.name;
  const entities = new Map();
  for (const e of page.entities ?? []) {
    entities.set(e.name, {
      name: e.name,
      kind: KINDS.has(e.kind) ? e.kind : 'other',
      type: e.type ?? '',
      unused: false,
      cycle: false,
      connected: false,
    });
  }
  const ensure = (n) => {
    let e = entities.get(n);
    if (!e) {
      // An edge always ends at an entity of the page; keep the page
      // drawable if a report ever says otherwise.
      e = { name: n, kind: 'other', type: '', unused: false, cycle: false, connected: false };
      entities.set(n, e);
    }
    return e;
  };
  const pairs = new Map();
  const pairOf = (s, t) => {
    const id = `${s}\u2192${t}`;
    let p = pairs.get(id);
    if (!p) {
      p = { id, source: s, target: t, bindings: [], trigger: true, cycle: false, self: s === t, drawn: s !== t };
      pairs.set(id, p);
    }
    return p;
  };
  for (const edge of report?.edges ?? []) {
    if (edge.page !== undefined && edge.page !== name) continue;
    const s = entityOf(edge.from);
    const t = rootOf(edge.to);
    ensure(s);
    ensure(t);
    const p = pairOf(s, t);
    p.bindings.push({ from: edge.from, to: edge.to, kind: edge.kind });
    if (edge.kind !== 'trigger') p.trigger = false;
  }
  const cycles = (page.cycles ?? []).filter((c) => Array.isArray(c) && c.length > 0);
  for (const c of cycles) {
    for (let i = 0; i < c.length; i++) {
      ensure(entityOf(c[i])).cycle = true;
      if (i + 1 < c.length) {
        const p = pairOf(entityOf(c[i]), entityOf(c[i + 1]));
        p.cycle = true;
        p.drawn = true; // a self-loop is drawn when it is a cycle
        if (p.bindings.length === 0) p.trigger = false;
      }
    }
  }
  for (const p of pairs.values()) {
    if (!p.drawn) continue;
    entities.get(p.source).connected = true;
    entities.get(p.target).connected = true;
  }
  const unused = page.unused ?? [];
  for (const u of unused) {
    const e = entities.get(u);
    if (e) e.unused = true;
  }
  return { page: name, entities, pairs, cycles, unknown: page.unknown ?? [], unused };
}

/** Pairs leaving (out) or reaching (in) an entity, self pairs included. */
export function pairsOf(model, name) {
  const out = [];
  const inn = [];
  for (const p of model.pairs.values()) {
    if (p.source === name) out.push(p);
    if (p.target === name && !p.self) inn.push(p);
  }
  return { out, in: inn };
}

/**
 * dependencies lists, transitively, the entities `name` depends on: those
 * its bindings refer to, then those theirs refer to, nearest first, each
 * with the chain of entity pairs that leads to it. Computed on entity
 * pairs, so it is what the drawing shows: a path may pass through a
 * property of an entity other than the one its next step reads (the server's
 * node-level /dependents is exact; this is the entity-level closure).
 */
export function dependencies(model, name, { triggers = true } = {}) {
  const outOf = new Map();
  for (const p of model.pairs.values()) {
    if (p.self) continue;
    if (!triggers && p.trigger) continue;
    if (!outOf.has(p.source)) outOf.set(p.source, []);
    outOf.get(p.source).push(p);
  }
  const seen = new Map([[name, null]]);
  const order = [];
  const queue = [name];
  while (queue.length) {
    const cur = queue.shift();
    for (const p of outOf.get(cur) ?? []) {
      if (seen.has(p.target)) continue;
      seen.set(p.target, p);
      order.push(p.target);
      queue.push(p.target);
    }
  }
  return order.map((entity) => {
    const path = [];
    for (let at = entity; at !== name; ) {
      const p = seen.get(at);
      path.unshift(p);
      at = p.source;
    }
    return { entity, path };
  });
}

/**
 * groupDependents groups the server's dependents ([{node, via}]) by entity,
 * leaving out the entity itself: Map entity → [{node, via}], in the
 * server's order (nearest first).
 */
export function groupDependents(list, self) {
  const out = new Map();
  for (const d of list ?? []) {
    if (!d || typeof d.node !== 'string') continue;
    const e = entityOf(d.node);
    if (e === self) continue;
    if (!out.has(e)) out.set(e, []);
    out.get(e).push({ node: d.node, via: Array.isArray(d.via) ? d.via : [] });
  }
  return out;
}

/**
 * normalizeApps accepts the apps list as the API gives it: an array of
 * {id, name, pages}, where pages is an array of names, an array of
 * {name} objects, or only a count (then null: the page asks the graph).
 */
export function normalizeApps(data) {
  const list = Array.isArray(data) ? data : Array.isArray(data?.apps) ? data.apps : [];
  return list
    .filter((a) => a && (a.id != null || a.name != null))
    .map((a) => ({
      id: String(a.id ?? a.name),
      name: String(a.name ?? a.id),
      pages: Array.isArray(a.pages)
        ? a.pages.map((p) => (typeof p === 'string' ? p : (p?.name ?? null))).filter((p) => typeof p === 'string')
        : null,
    }));
}
