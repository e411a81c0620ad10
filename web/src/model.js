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
 * entities: Map name → {name, kind, type, unused, cycle, connected, parent}
 *           (parent: the widget a widget sits in, or null)
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
      parent: typeof e.parent === 'string' && e.parent ? e.parent : null,
    });
  }
  // A container that is not an entity of the page (cannot happen with the
  // server's reports) would leave its widgets in no group at all.
  for (const e of entities.values()) if (e.parent != null && !entities.has(e.parent)) e.parent = null;
  const ensure = (n) => {
    let e = entities.get(n);
    if (!e) {
      // An edge always ends at an entity of the page; keep the page
      // drawable if a report ever says otherwise.
      e = { name: n, kind: 'other', type: '', unused: false, cycle: false, connected: false, parent: null };
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

/**
 * containers describes how widgets nest: for each widget that holds others
 * (a container, a form, a modal, a tab…), its depth (0 on the page's main
 * canvas), its direct children and every widget it holds, at any depth.
 * Returns {depth: Map name → d, children: Map name → [names],
 * members: Map name → [names], maxDepth}; entities that hold nothing are
 * in none of the maps.
 */
export function containers(model) {
  const children = new Map();
  for (const e of model.entities.values()) {
    if (e.parent == null) continue;
    if (!children.has(e.parent)) children.set(e.parent, []);
    children.get(e.parent).push(e.name);
  }
  const depth = new Map();
  const members = new Map();
  let maxDepth = -1;
  for (const name of children.keys()) {
    const d = ancestors(model, name).length;
    depth.set(name, d);
    maxDepth = Math.max(maxDepth, d);
    const all = [];
    const stack = [...children.get(name)];
    const seen = new Set([name]);
    while (stack.length) {
      const c = stack.pop();
      if (seen.has(c)) continue; // a loop in parents would never end
      seen.add(c);
      all.push(c);
      stack.push(...(children.get(c) ?? []));
    }
    members.set(name, all.sort());
  }
  return { depth, children, members, maxDepth };
}

/** The containers an entity sits in, innermost first. */
export function ancestors(model, name) {
  const out = [];
  const seen = new Set([name]);
  for (let p = model.entities.get(name)?.parent; p != null && !seen.has(p); p = model.entities.get(p)?.parent) {
    out.push(p);
    seen.add(p);
  }
  return out;
}

/**
 * representative is the node an entity is drawn as when the containers in
 * `collapsed` are drawn closed: its outermost closed container, else itself.
 */
export function representative(model, name, collapsed) {
  let rep = name;
  if (!collapsed || collapsed.size === 0) return rep;
  for (const a of ancestors(model, name)) if (collapsed.has(a)) rep = a;
  return rep;
}

/**
 * collapseLevels lists the ways to draw a page's containers, from the most
 * detailed to the most compact: nothing closed, then every container at
 * depth d or deeper closed, for d from the deepest to 0 (every container on
 * the main canvas closed, its widgets inside it).
 */
export function collapseLevels(model) {
  const c = containers(model);
  const levels = [new Set()];
  for (let d = c.maxDepth; d >= 0; d--) {
    levels.push(new Set([...c.depth].filter(([, depth]) => depth >= d).map(([name]) => name)));
  }
  return levels;
}

/**
 * neighbourhood is the entity and those within `steps` arrows of it, in
 * either direction (what it reads and what reads it), as drawn: arrows
 * only from event handlers count unless `triggers`.
 */
export function neighbourhood(model, name, steps, { triggers = true } = {}) {
  const next = new Map();
  const link = (a, b) => {
    if (!next.has(a)) next.set(a, []);
    next.get(a).push(b);
  };
  for (const p of model.pairs.values()) {
    if (p.self || (!triggers && p.trigger && !p.cycle)) continue;
    link(p.source, p.target);
    link(p.target, p.source);
  }
  const seen = new Set([name]);
  let frontier = [name];
  for (let i = 0; i < steps && frontier.length; i++) {
    const out = [];
    for (const n of frontier) {
      for (const m of next.get(n) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          out.push(m);
        }
      }
    }
    frontier = out;
  }
  return seen;
}
