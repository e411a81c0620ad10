// Drawing: cytoscape with the dagre layered layout, left to right.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';

cytoscape.use(dagre);

// Kinds differ by shape and colour (the legend in index.html matches).
// Labels take the kind's colour too, so that zoomed out, when a name
// covers its shape, queries and JS objects still differ.
export const KIND_STYLE = {
  widget: { shape: 'round-rectangle', fill: '#dbeafe', line: '#2563eb', text: '#0f172a' },
  action: { shape: 'ellipse', fill: '#fef3c7', line: '#d97706', text: '#92400e' },
  jsobject: { shape: 'hexagon', fill: '#dcfce7', line: '#15803d', text: '#166534' },
  other: { shape: 'diamond', fill: '#f1f5f9', line: '#64748b', text: '#334155' },
};

const RED = '#dc2626';
// Fans of at least this many alike widgets are drawn as one box.
export const GROUP_MIN = 3;
const HUB_FONT = 14;
const DEP = '#0891b2'; // what the selection depends on
const USER = '#c026d3'; // what depends on the selection
const BOTH = '#7c3aed'; // both

function style() {
  const s = [
    {
      selector: 'node',
      style: {
        label: 'data(name)',
        'font-size': 11,
        'font-family': 'ui-sans-serif, system-ui, sans-serif',
        color: '#0f172a',
        'text-valign': 'center',
        'text-halign': 'center',
        width: 'data(w)',
        height: 24,
        'border-width': 1.5,
        'min-zoomed-font-size': 5,
        'z-index': 2,
      },
    },
  ];
  for (const [kind, k] of Object.entries(KIND_STYLE)) {
    s.push({
      selector: `node[kind = "${kind}"]`,
      style: { shape: k.shape, 'background-color': k.fill, 'border-color': k.line, color: k.text },
    });
  }
  // Queries and JS objects are the hubs most arrows meet: bigger, so they
  // stay legible when the whole page is in view.
  s.push({
    selector: 'node[kind = "action"], node[kind = "jsobject"]',
    style: {
      'font-size': 'data(fs)',
      'font-weight': 'bold',
      height: 30,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.75,
      'text-background-padding': 1,
      'text-background-shape': 'round-rectangle',
      'z-index': 3,
    },
  });
  s.push(
    { selector: 'node[?unused]', style: { 'border-style': 'dashed', color: '#64748b' } },
    { selector: 'node[?cycle]', style: { 'border-color': RED, 'border-width': 3, color: RED } },
    {
      selector: 'edge',
      style: {
        width: 1.2,
        'curve-style': 'bezier',
        'line-color': '#94a3b8',
        'target-arrow-color': '#94a3b8',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        opacity: 0.85,
      },
    },
    { selector: 'edge[?trigger]', style: { 'line-style': 'dashed', 'line-dash-pattern': [5, 4] } },
    { selector: 'edge[?self]', style: { 'loop-direction': '-45deg', 'loop-sweep': '-60deg' } },
    {
      selector: 'edge[?cycle]',
      style: { 'line-color': RED, 'target-arrow-color': RED, width: 2.5, opacity: 1, 'z-index': 5 },
    },
    {
      // A group: widgets that read exactly the same entities and that
      // nothing reads, drawn in a box with one arrow per entity they read.
      selector: 'node[?group]',
      style: {
        shape: 'round-rectangle',
        'background-color': '#f1f5f9',
        'background-opacity': 0.7,
        'border-color': '#94a3b8',
        'border-style': 'dashed',
        'border-width': 1,
        width: 'data(w)',
        height: 'data(h)',
        label: 'data(label)',
        'font-size': 10,
        'font-weight': 'normal',
        color: '#64748b',
        'text-valign': 'top',
        'text-margin-y': -2,
        'z-index': 0,
        events: 'no',
      },
    },
    { selector: 'edge[?bundle]', style: { width: 'mapData(count, 1, 30, 1.5, 6)', opacity: 0.7 } },
    { selector: '.bundled', style: { display: 'none' } },
    { selector: '.bundled.unbundled', style: { display: 'element' } },
    { selector: '.hidden', style: { display: 'none' } },
    { selector: '.faded', style: { opacity: 0.15 } },
    { selector: 'edge.faded', style: { opacity: 0.06 } },
    {
      selector: 'node.dependency',
      style: { 'underlay-color': DEP, 'underlay-opacity': 0.45, 'underlay-padding': 5, 'underlay-shape': 'round-rectangle' },
    },
    {
      selector: 'node.dependent',
      style: { 'underlay-color': USER, 'underlay-opacity': 0.45, 'underlay-padding': 5, 'underlay-shape': 'round-rectangle' },
    },
    {
      // Both: on a loop through the selection (entity-level).
      selector: 'node.dependency.dependent',
      style: { 'underlay-color': BOTH },
    },
    {
      selector: 'node.selected-entity',
      style: { 'border-width': 4, 'border-color': '#0f172a', 'font-weight': 'bold', 'z-index': 10 },
    },
    {
      selector: 'edge.dependency',
      style: {
        'line-color': DEP,
        'target-arrow-color': DEP,
        width: 2.2,
        opacity: 1,
        'z-index': 8,
        label: 'data(short)',
        'font-size': 8,
        color: '#155e75',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-rotation': 'autorotate',
      },
    },
    {
      selector: 'edge.dependent',
      style: {
        'line-color': USER,
        'target-arrow-color': USER,
        width: 2.2,
        opacity: 1,
        'z-index': 8,
        label: 'data(short)',
        'font-size': 8,
        color: '#86198f',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.85,
        'text-rotation': 'autorotate',
      },
    },
    { selector: 'edge[?cycle].faded', style: { opacity: 0.35 } },
    { selector: 'edge.nolabel', style: { label: '' } },
  );
  return s;
}

function nodeWidth(e) {
  if (e.kind === 'widget') return Math.max(44, e.name.length * 6.6 + 18);
  return Math.max(60, e.name.length * 8.8 + 40); // bold 14px, in an ellipse or hexagon
}

function shortLabel(p) {
  const first = p.bindings[0];
  if (!first) return p.cycle ? 'cycle' : '';
  const path = first.from.slice(p.source.length + 1);
  return p.bindings.length > 1 ? `${path} +${p.bindings.length - 1}` : path;
}

/**
 * pack places laid-out groups in rows (largest first), each row as wide as
 * the whole would be at the given aspect ratio, and moves their nodes there.
 * Returns the packed width and height.
 */
function pack(boxes, aspect, gap) {
  if (!boxes.length) return { w: 0, h: 0 };
  boxes.sort((a, b) => b.bb.h - a.bb.h || b.bb.w - a.bb.w);
  const area = boxes.reduce((n, b) => n + (b.bb.w + gap) * (b.bb.h + gap), 0);
  const rowW = Math.max(Math.max(...boxes.map((b) => b.bb.w)), Math.sqrt(area * aspect));
  let x = 0;
  let y = 0;
  let rowH = 0;
  let w = 0;
  for (const { comp, bb } of boxes) {
    if (x > 0 && x + bb.w > rowW) {
      x = 0;
      y += rowH + gap;
      rowH = 0;
    }
    const dx = x - bb.x1;
    const dy = y - bb.y1;
    comp.nodes().positions((n) => ({ x: n.position('x') + dx, y: n.position('y') + dy }));
    x += bb.w + gap;
    w = Math.max(w, x - gap);
    rowH = Math.max(rowH, bb.h);
  }
  return { w, h: y + rowH };
}

/**
 * GraphView draws a model (see model.js) into a container and keeps the
 * cytoscape instance on window.__cy for tests.
 */
export class GraphView {
  constructor(container, { onSelect, onHover }) {
    this.container = container;
    this.onSelect = onSelect;
    this.onHover = onHover;
    this.cy = null;
    this.options = { showIsolated: false, showTriggers: true, focus: null };
  }

  render(model, options = {}) {
    Object.assign(this.options, options);
    if (this.cy) this.cy.destroy();
    const elements = [];
    for (const e of model.entities.values()) {
      elements.push({
        group: 'nodes',
        data: {
          id: e.name,
          name: e.name,
          kind: e.kind,
          type: e.type,
          unused: e.unused,
          cycle: e.cycle,
          connected: e.connected,
          w: nodeWidth(e),
          fs: HUB_FONT,
        },
      });
    }
    for (const p of model.pairs.values()) {
      if (!p.drawn) continue;
      elements.push({
        group: 'edges',
        data: {
          id: p.id,
          source: p.source,
          target: p.target,
          trigger: p.trigger && !p.cycle,
          cycle: p.cycle,
          self: p.self,
          count: p.bindings.length,
          short: shortLabel(p),
        },
      });
    }
    const big = elements.length > 400;
    this.cy = cytoscape({
      container: this.container,
      elements,
      style: style(),
      layout: { name: 'preset' },
      minZoom: 0.05,
      maxZoom: 3,
      boxSelectionEnabled: false,
      autoungrabify: false,
      textureOnViewport: big,
      hideEdgesOnViewport: big,
      pixelRatio: big ? 1 : 'auto',
    });
    this.model = model;
    window.__cy = this.cy;
    this.cy.on('tap', 'node', (ev) => this.onSelect(ev.target.id()));
    this.cy.on('tap', (ev) => {
      if (ev.target === this.cy) this.onSelect(null);
    });
    this.cy.on('mouseover', 'node, edge', (ev) => this.onHover(ev.target, ev.renderedPosition ?? ev.position));
    this.cy.on('mouseout', 'node, edge', () => this.onHover(null));
    this.cy.on('viewport', () => this.onHover(null));
    // Zoomed out, queries and JS objects keep legible names (they are
    // what a page's graph is organised around); widgets' names fade out.
    let lastFs = HUB_FONT;
    this.cy.on('zoom', () => {
      const fs = Math.round(Math.max(HUB_FONT, 9 / this.cy.zoom()));
      if (fs === lastFs) return;
      lastFs = fs;
      this.cy.nodes('[kind = "action"], [kind = "jsobject"]').data('fs', fs);
    });
    this.applyVisibility();
    this.layout();
    return this.cy;
  }

  /** Hides what the toggles hide: entities without edges, event handlers. */
  applyVisibility() {
    const cy = this.cy;
    if (!cy) return;
    const { showIsolated, showTriggers, focus } = this.options;
    cy.batch(() => {
      cy.remove('[?group], [?bundle]'); // layout() groups again
      cy.edges('.bundled').removeClass('bundled');
      cy.edges().forEach((ed) => {
        ed.toggleClass('hidden', !showTriggers && ed.data('trigger'));
      });
      if (focus) {
        // Only the selection and what it is linked to, transitively.
        cy.edges().forEach((ed) => {
          if (!focus.has(ed.source().id()) || !focus.has(ed.target().id())) ed.addClass('hidden');
        });
        cy.nodes().forEach((n) => n.toggleClass('hidden', !focus.has(n.id())));
        return;
      }
      cy.nodes().forEach((n) => {
        const hasEdge = n.connectedEdges().some((ed) => !ed.hasClass('hidden'));
        n.toggleClass('hidden', !showIsolated && !hasEdge);
      });
    });
  }

  setOptions(options) {
    Object.assign(this.options, options);
    this.applyVisibility();
    this.layout();
  }

  /**
   * Layered layout, left to right (dagre), one connected group at a time;
   * the groups are then packed in rows to the window's proportions instead
   * of dagre's single column, and entities without edges (when shown) go
   * in a grid under them.
   */
  layout() {
    const cy = this.cy;
    if (!cy) return;
    const groups = this.group();
    const shown = cy.elements().not('.hidden, .bundled');
    const members = new Set(groups.flatMap((g) => g.members.map((m) => m.id())));
    const linked = shown.filter((el) => (el.isEdge() || el.connectedEdges().not('.hidden, .bundled').length > 0) && !members.has(el.id()));
    const alone = shown.nodes().filter((n) => !members.has(n.id()) && !n.data('group')).difference(linked.nodes());
    const boxes = [];
    for (const comp of linked.components()) {
      comp
        .layout({
          name: 'dagre',
          rankDir: 'LR',
          nodeSep: 8,
          rankSep: 90,
          edgeSep: 6,
          ranker: comp.nodes().length > 60 ? 'network-simplex' : 'tight-tree',
          fit: false,
          animate: false,
        })
        .run();
      boxes.push({ comp, bb: comp.boundingBox({ includeLabels: false }) });
    }
    const aspect = Math.max(0.6, (cy.width() || 1200) / (cy.height() || 800));
    const placed = pack(boxes, aspect, 50);
    for (const g of groups) g.place();
    if (alone.length) {
      const cols = Math.max(4, Math.ceil(Math.sqrt(alone.length * aspect * 0.6)));
      const colW = Math.max(...alone.map((n) => n.data('w'))) + 16;
      const width = Math.max(placed.w, cols * colW);
      const rows = Math.ceil(alone.length / cols);
      alone
        .sort((a, b) => a.id().localeCompare(b.id()))
        .layout({
          name: 'grid',
          cols,
          avoidOverlap: true,
          condense: true,
          fit: false,
          animate: false,
          boundingBox: { x1: 0, y1: placed.h + (placed.h ? 70 : 0), w: width, h: rows * 38 },
        })
        .run();
    }
    this.fit();
  }

  /**
   * group replaces fans by boxes: widgets that nothing reads and that read
   * exactly the same entities (GROUP_MIN or more of them) are drawn in a
   * box, with one arrow per entity they read instead of one per widget.
   * Each widget stays a node of its own (clickable, searchable); its own
   * arrows come back when it is selected.
   */
  group() {
    const cy = this.cy;
    cy.remove('[?group], [?bundle]');
    cy.edges('.bundled').removeClass('bundled');
    const edges = cy.edges().not('.hidden');
    const bySig = new Map();
    cy.nodes().not('.hidden').forEach((n) => {
      if (n.data('kind') !== 'widget' || n.data('cycle')) return;
      const inn = edges.filter((e) => e.target().same(n) && !e.source().same(n));
      if (inn.length) return;
      const out = edges.filter((e) => e.source().same(n) && !e.target().same(n));
      if (!out.length) return;
      const sig = out.map((e) => `${e.target().id()}${e.data('trigger') ? '~' : ''}`).sort().join('\n');
      if (!bySig.has(sig)) bySig.set(sig, []);
      bySig.get(sig).push(n);
    });
    const groups = [];
    let k = 0;
    for (const nodes of bySig.values()) {
      if (nodes.length < GROUP_MIN) continue;
      nodes.sort((a, b) => a.id().localeCompare(b.id()));
      const id = `group:${k++}`;
      const cols = Math.ceil(Math.sqrt(nodes.length / 2.5));
      const rows = Math.ceil(nodes.length / cols);
      const colW = Math.max(...nodes.map((n) => n.data('w'))) + 10;
      const rowH = 32;
      const w = cols * colW + 14;
      const h = rows * rowH + 12;
      const targets = new Map();
      for (const n of nodes) {
        n.connectedEdges().not('.hidden').forEach((e) => {
          if (!e.source().same(n)) return;
          e.addClass('bundled');
          const t = e.target().id();
          if (!targets.has(t)) targets.set(t, { trigger: true, count: 0 });
          const tt = targets.get(t);
          tt.count++;
          if (!e.data('trigger')) tt.trigger = false;
        });
      }
      cy.add({ group: 'nodes', data: { id, group: true, w, h, label: `${nodes.length} widgets`, members: nodes.map((n) => n.id()) } }).ungrabify();
      for (const [t, tt] of targets) {
        cy.add({ group: 'edges', data: { id: `${id}\u2192${t}`, source: id, target: t, bundle: true, trigger: tt.trigger, count: tt.count } });
      }
      const box = cy.getElementById(id);
      groups.push({
        members: nodes,
        place() {
          const c = box.position();
          nodes.forEach((n, i) => {
            const col = i % cols;
            const row = Math.floor(i / cols);
            n.position({ x: c.x - w / 2 + 7 + col * colW + colW / 2, y: c.y - h / 2 + 6 + row * rowH + rowH / 2 });
          });
        },
      });
    }
    return groups;
  }

  fit(eles) {
    if (!this.cy) return;
    const target = eles && eles.length ? eles : this.cy.elements().not('.hidden');
    this.cy.fit(target, 24);
    if (this.cy.zoom() > 1.25) {
      this.cy.zoom(1.25);
      this.cy.center(target);
    }
  }

  /**
   * Marks a selection: the entity, what it depends on and what depends on
   * it (classes selected-entity, dependency, dependent, faded; the same
   * marks on node data as `mark`, for tests).
   */
  highlight(name, dependencyNames = [], dependentNames = []) {
    const cy = this.cy;
    if (!cy) return;
    const deps = new Set(dependencyNames);
    const users = new Set(dependentNames);
    cy.batch(() => {
      cy.elements().removeClass('selected-entity dependency dependent faded unbundled nolabel');
      cy.nodes().forEach((n) => n.data('mark', ''));
      if (name == null) return;
      const upstream = new Set([name, ...deps]);
      const downstream = new Set([name, ...users]);
      cy.nodes().forEach((n) => {
        const id = n.id();
        if (n.data('group')) {
          const related = n.data('members').some((m) => m === name || deps.has(m) || users.has(m));
          if (!related) n.addClass('faded');
          return;
        }
        const marks = [];
        if (id === name) {
          n.addClass('selected-entity');
          marks.push('selected');
        }
        if (deps.has(id) && id !== name) {
          n.addClass('dependency');
          marks.push('dependency');
        }
        if (users.has(id) && id !== name) {
          n.addClass('dependent');
          marks.push('dependent');
        }
        if (!marks.length) n.addClass('faded');
        n.data('mark', marks.join(' '));
      });
      cy.edges().forEach((ed) => {
        const t = ed.target().id();
        // A group's arrow stands for its widgets' arrows.
        const sources = ed.data('bundle') ? ed.source().data('members') : [ed.source().id()];
        if (sources.includes(name) && deps.has(t)) ed.addClass('dependency');
        else if (sources.some((s) => upstream.has(s)) && deps.has(t) && !ed.data('bundle')) ed.addClass('dependency');
        else if (sources.some((s) => users.has(s)) && downstream.has(t)) ed.addClass('dependent');
        else ed.addClass('faded');
        // The selected widget's own arrows are drawn, out of its group.
        if (ed.hasClass('bundled') && ed.source().id() === name && deps.has(t)) ed.addClass('unbundled');
      });
      // Binding labels on the lit arrows, unless there are too many to read.
      const lit = cy.edges('.dependency, .dependent');
      if (lit.length > 40) lit.addClass('nolabel');
    });
  }

  /** Brings an entity and its neighbours into view if it is drawn. */
  reveal(name) {
    const cy = this.cy;
    const n = cy?.getElementById(name);
    if (!n || n.empty() || n.hasClass('hidden')) return false;
    const z = cy.zoom();
    const pan = cy.pan();
    const x = n.position().x * z + pan.x;
    const y = n.position().y * z + pan.y;
    const inView = x > 0 && y > 0 && x < cy.width() && y < cy.height();
    if (!inView || z < 0.45) {
      const around = n.closedNeighborhood().not('.hidden');
      cy.stop();
      cy.animate({ fit: { eles: around, padding: 60 }, duration: 200 });
    }
    return true;
  }
}
