// Drawing: cytoscape with the dagre layered layout, left to right.
//
// The default view of a page must be readable as drawn: every label at
// least MIN_LABEL_PX on screen, the canvas used. A big page does not fit
// at that size, so it is drawn more compactly instead of smaller: widgets
// go into their containers (a modal, a form, a tab), drawn closed as one
// box with one arrow per entity its widgets read or are read by, from the
// deepest containers up to those on the main canvas, until the drawing
// fits. Fans of alike widgets are boxed too (group()). Only when even that
// does not fit is the drawing cut by the window's edge, still at full size.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { columns, columnsWidth, pack } from './layout.js';
import { collapseLevels, containers, representative } from './model.js';

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

/** The smallest label, in screen pixels, the default view draws. */
export const MIN_LABEL_PX = 11;
/** Font sizes in graph units (screen pixels at zoom 1). */
export const FONT = { widget: 12, hub: 14, box: 12, edge: 12 };
/** The least zoom at which every label is MIN_LABEL_PX or more. */
export const MIN_ZOOM = MIN_LABEL_PX / Math.min(FONT.widget, FONT.hub, FONT.box, FONT.edge);
const MAX_FIT_ZOOM = 1.25;
// Layers read best but rarely fit the window beyond this many nodes: only
// the columns are tried on bigger drawings, and layers only once.
const LAYERED_MAX = 40;
const PAD = 24;
const RED = '#dc2626';
// Fans of at least this many alike widgets are drawn as one box.
export const GROUP_MIN = 3;
const DEP = '#0891b2'; // what the selection depends on
const USER = '#c026d3'; // what depends on the selection
const BOTH = '#7c3aed'; // both

/**
 * Elements not drawn: hidden by a toggle or the focus, inside a closed
 * container, folded into a container's arrow, bundled into a fan's arrow.
 */
export const OFF = '.hidden, .inside, .folded, .bundled';

function edgeLabelStyle(color) {
  return {
    label: 'data(short)',
    'font-size': FONT.edge,
    color,
    'text-background-color': '#ffffff',
    'text-background-opacity': 0.85,
    'text-rotation': 'autorotate',
  };
}

function style() {
  const s = [
    {
      selector: 'node',
      style: {
        label: 'data(label)',
        'font-size': FONT.widget,
        'font-family': FONT_FAMILY,
        color: '#0f172a',
        'text-valign': 'center',
        'text-halign': 'center',
        width: 'data(w)',
        height: 26,
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
      height: 32,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.75,
      'text-background-padding': 1,
      'text-background-shape': 'round-rectangle',
      'z-index': 3,
    },
  });
  s.push(
    {
      // A closed container: its widgets are inside it.
      selector: 'node[?closed]',
      style: {
        shape: 'round-rectangle',
        'background-color': '#e0e7ff',
        'border-color': '#4338ca',
        'border-width': 3,
        'border-style': 'double',
        color: '#1e1b4b',
        'font-weight': 'bold',
        height: 32,
      },
    },
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
    {
      // Set by the column layout on arrows within a column.
      selector: 'edge[bend]',
      style: { 'curve-style': 'unbundled-bezier', 'control-point-distances': 'data(bend)', 'control-point-weights': 0.5 },
    },
    { selector: 'edge[?self]', style: { 'loop-direction': '-45deg', 'loop-sweep': '-60deg' } },
    { selector: 'edge[?agg]', style: { width: 'mapData(count, 1, 30, 1.5, 5)' } },
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
        'font-size': FONT.box,
        'font-weight': 'normal',
        color: '#475569',
        'text-valign': 'top',
        'text-margin-y': -2,
        'z-index': 0,
        events: 'no',
      },
    },
    { selector: 'edge[?bundle]', style: { width: 'mapData(count, 1, 30, 1.5, 6)', opacity: 0.7 } },
    { selector: '.inside, .folded, .hidden', style: { display: 'none' } },
    { selector: '.bundled', style: { display: 'none' } },
    { selector: '.bundled.unbundled', style: { display: 'element' } },
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
      style: { 'line-color': DEP, 'target-arrow-color': DEP, width: 2.2, opacity: 1, 'z-index': 8, ...edgeLabelStyle('#155e75') },
    },
    {
      selector: 'edge.dependent',
      style: { 'line-color': USER, 'target-arrow-color': USER, width: 2.2, opacity: 1, 'z-index': 8, ...edgeLabelStyle('#86198f') },
    },
    { selector: 'edge[?cycle].faded', style: { opacity: 0.35 } },
    { selector: 'edge.nolabel', style: { label: '' } },
  );
  return s;
}

const FONT_FAMILY = 'ui-sans-serif, system-ui, sans-serif';
let measureCtx = null;

/** The width of a label as the browser draws it (an estimate without a canvas). */
function textWidth(text, font, size, bold) {
  if (measureCtx === null) {
    try {
      measureCtx = document.createElement('canvas').getContext('2d') ?? false;
    } catch {
      measureCtx = false;
    }
  }
  if (!measureCtx) return text.length * size * (bold ? 0.66 : 0.6);
  measureCtx.font = `${bold ? 'bold ' : ''}${size}px ${font}`;
  return measureCtx.measureText(text).width;
}

/** A node's width for its label: widgets at FONT.widget, hubs bold at FONT.hub. */
function nodeWidth(label, kind, closed) {
  if (closed) return Math.max(60, textWidth(label, FONT_FAMILY, FONT.widget, true) + 26);
  if (kind === 'widget' || kind === 'other') return Math.max(46, textWidth(label, FONT_FAMILY, FONT.widget, false) + 20);
  // An ellipse or a hexagon needs room at its ends.
  return Math.max(64, textWidth(label, FONT_FAMILY, FONT.hub, true) * 1.12 + 36);
}

function shortLabel(p) {
  const first = p.bindings[0];
  if (!first) return p.cycle ? 'cycle' : '';
  const path = first.from.slice(p.source.length + 1);
  return p.bindings.length > 1 ? `${path} +${p.bindings.length - 1}` : path;
}

/**
 * GraphView draws a model (see model.js) into a container and keeps the
 * cytoscape instance on window.__cy for tests. Every entity is a node of
 * it; what is not drawn carries one of the OFF classes.
 */
export class GraphView {
  constructor(container, { onSelect, onHover, onOpen }) {
    this.container = container;
    this.onSelect = onSelect;
    this.onHover = onHover;
    this.onOpen = onOpen ?? (() => {});
    this.cy = null;
    this.collapsed = new Set();
    this.options = {
      showIsolated: false,
      showTriggers: true,
      focus: null, // a Set of entity names: draw only those
      group: true, // close containers as far as the page needs
      opened: new Set(), // containers the user opened
      closedByUser: new Set(), // containers the user closed
      keepOpen: new Set(), // containers around the selection
    };
  }

  render(model, options = {}) {
    Object.assign(this.options, options);
    if (this.cy) this.cy.destroy();
    this.model = model;
    this.boxes = containers(model);
    const elements = [];
    for (const e of model.entities.values()) {
      elements.push({
        group: 'nodes',
        data: {
          id: e.name,
          name: e.name,
          label: e.name,
          kind: e.kind,
          type: e.type,
          unused: e.unused,
          cycle: e.cycle,
          connected: e.connected,
          container: this.boxes.members.has(e.name),
          w: nodeWidth(e.name, e.kind, false),
          fs: FONT.hub,
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
    window.__cy = this.cy;
    this.cy.on('tap', 'node', (ev) => {
      this.onHover(null);
      this.onSelect(ev.target.id());
    });
    this.cy.on('tap', (ev) => {
      this.onHover(null);
      if (ev.target === this.cy) this.onSelect(null);
    });
    this.cy.on('dbltap', 'node[?closed]', (ev) => this.onOpen(ev.target.id()));
    this.cy.on('mouseover', 'node, edge', (ev) => this.onHover(ev.target, ev.renderedPosition ?? ev.position));
    this.cy.on('mouseout', 'node, edge', () => this.onHover(null));
    this.cy.on('viewport', () => this.onHover(null));
    // Zoomed out, queries and JS objects keep legible names (they are
    // what a page's graph is organised around); widgets' names fade out.
    let lastFs = FONT.hub;
    this.cy.on('zoom', () => {
      const fs = Math.round(Math.max(FONT.hub, 9 / this.cy.zoom()));
      if (fs === lastFs) return;
      lastFs = fs;
      this.cy.nodes('[kind = "action"], [kind = "jsobject"]').data('fs', fs);
    });
    this.layout();
    return this.cy;
  }

  setOptions(options) {
    Object.assign(this.options, options);
    this.layout();
  }

  /** Whether a container is drawn closed now. */
  isClosed(name) {
    return this.collapsed.has(name) && this.boxes.members.has(name);
  }

  /** The entities a drawn node stands for: a closed container's widgets too. */
  membersOf(id) {
    return this.isClosed(id) ? [id, ...this.boxes.members.get(id)] : [id];
  }

  /** The containers to draw closed at a level, after the user's choices. */
  adjust(level) {
    const o = this.options;
    const s = new Set(level);
    for (const n of o.opened) s.delete(n);
    for (const n of o.keepOpen) s.delete(n);
    for (const n of o.closedByUser) if (!o.keepOpen.has(n)) s.add(n);
    return s;
  }

  /**
   * Marks what is drawn: containers closed per this.collapsed, their
   * widgets inside, their arrows folded into one per entity pair of the
   * drawing; arrows of event handlers when those are off; everything but
   * the focus; entities without edges unless asked for.
   */
  applyVisibility() {
    const cy = this.cy;
    const model = this.model;
    const { showIsolated, showTriggers, focus } = this.options;
    const rep = (n) => representative(model, n, this.collapsed);
    cy.batch(() => {
      cy.remove('[?group], [?bundle], [?agg]');
      cy.elements().removeClass('hidden inside folded bundled unbundled');
      cy.nodes().forEach((n) => {
        const id = n.id();
        const closed = this.isClosed(id);
        const label = closed ? `${id} ▸ ${this.boxes.members.get(id).length}` : id;
        // Data changes restyle the node: only what changed.
        if (n.data('label') !== label) n.data({ label, w: nodeWidth(label, n.data('kind'), closed), closed });
        if (rep(id) !== id) n.addClass('inside');
      });
      const agg = new Map();
      // Nodes with an edge in the drawing. A closed container whose widgets
      // only read each other has none: it is drawn with the entities
      // without edges.
      const linked = new Set();
      cy.edges().forEach((ed) => {
        const s = ed.source().id();
        const t = ed.target().id();
        if ((!showTriggers && ed.data('trigger')) || (focus && !(focus.has(s) && focus.has(t)))) {
          ed.addClass('hidden');
          return;
        }
        const rs = rep(s);
        const rt = rep(t);
        if (rs !== rt || s === t) linked.add(rs).add(rt);
        if (rs === s && rt === t) return;
        ed.addClass('folded');
        if (rs === rt) return;
        const key = `${rs}\u2192${rt}`;
        let a = agg.get(key);
        if (!a) agg.set(key, (a = { source: rs, target: rt, count: 0, trigger: true, cycle: false, members: [] }));
        a.count += ed.data('count');
        a.trigger = a.trigger && !!ed.data('trigger');
        a.cycle = a.cycle || !!ed.data('cycle');
        a.members.push([s, t]);
      });
      for (const [key, a] of agg) {
        const short = `${a.count} binding${a.count === 1 ? '' : 's'}`;
        cy.add({ group: 'edges', data: { id: `agg:${key}`, source: a.source, target: a.target, agg: true, count: a.count, trigger: a.trigger, cycle: a.cycle, members: a.members, short } });
      }
      cy.nodes().not('.inside').forEach((n) => {
        const id = n.id();
        const show = focus ? this.membersOf(id).some((m) => focus.has(m)) : showIsolated || linked.has(id);
        if (!show) n.addClass('hidden');
      });
    });
  }

  /**
   * Lays the page out at the most detailed level that fits the window at
   * MIN_ZOOM (see the head of this file), then fits it: at each level the
   * layered layout, then the kind columns (layout.js).
   */
  layout() {
    const cy = this.cy;
    if (!cy) return;
    const levels = this.options.group ? collapseLevels(this.model) : [new Set()];
    const candidates = [];
    for (const l of levels) {
      const c = this.adjust(l);
      const prev = candidates[candidates.length - 1];
      if (!prev || prev.size !== c.size || [...c].some((n) => !prev.has(n))) candidates.push(c);
    }
    // What was tried, for tests and for the curious: [{closed, nodes, mode, zoom}].
    this.trace = [];
    let layeredTried = false;
    const attempt = (mode) => {
      const t0 = performance.now();
      const t = { closed: this.collapsed.size, nodes: cy.nodes().not(OFF).length, mode, zoom: 0 };
      this.trace.push(t);
      if (mode !== 'skipped') {
        this.arrange(mode);
        t.zoom = Math.round(this.fitZoom() * 1000) / 1000;
      }
      t.ms = Math.round(performance.now() - t0);
      return t.zoom >= MIN_ZOOM;
    };
    for (let i = 0; i < candidates.length; i++) {
      this.collapsed = candidates[i];
      this.applyVisibility();
      const last = i === candidates.length - 1;
      if (!last && this.surelyTooBig()) {
        attempt('skipped');
        continue;
      }
      if (!layeredTried && cy.nodes().not(OFF).length <= LAYERED_MAX) {
        layeredTried = true;
        if (attempt('layered')) break;
      }
      if (attempt('columns') || last) break;
    }
    this.fit();
  }

  /**
   * surelyTooBig tells, without a layout, a drawing that cannot fit the
   * window at MIN_ZOOM: its nodes, with the room arrows need around them,
   * cover more than the window would.
   */
  surelyTooBig() {
    const cy = this.cy;
    const W = ((cy.width() || 1200) - 2 * PAD) / MIN_ZOOM;
    const H = ((cy.height() || 800) - 2 * PAD) / MIN_ZOOM;
    // The estimate ignores the fans group() boxes: some slack.
    return columnsWidth(cy.nodes().not(OFF), H) > W * 1.15;
  }

  /**
   * arrange places what is drawn. 'layered': left to right (dagre), one
   * connected group at a time, the groups packed in rows to the window's
   * proportions; 'columns': the kind columns of layout.js within the
   * window at MIN_ZOOM. Entities without edges (when shown) go in a grid
   * under them.
   */
  arrange(mode) {
    const cy = this.cy;
    const groups = this.group();
    const shown = cy.elements().not(OFF);
    const members = new Set(groups.flatMap((g) => g.members.map((m) => m.id())));
    const linked = shown.filter((el) => (el.isEdge() || el.connectedEdges().not(OFF).length > 0) && !members.has(el.id()));
    const alone = shown.nodes().filter((n) => !members.has(n.id()) && !n.data('group')).difference(linked.nodes());
    const aspect = Math.max(0.6, (cy.width() || 1200) / (cy.height() || 800));
    let placed;
    cy.edges('[bend]').removeData('bend');
    if (mode === 'columns') {
      const W = ((cy.width() || 1200) - 2 * PAD) / MIN_ZOOM;
      const H = ((cy.height() || 800) - 2 * PAD) / MIN_ZOOM;
      placed = columns(linked.nodes(), linked.edges(), W, H);
    } else {
      const boxes = [];
      for (const comp of linked.components()) {
        comp
          .layout({
            name: 'dagre',
            rankDir: 'LR',
            nodeSep: 10,
            rankSep: 70,
            edgeSep: 6,
            ranker: comp.nodes().length > 60 ? 'network-simplex' : 'tight-tree',
            fit: false,
            animate: false,
          })
          .run();
        boxes.push({ comp, bb: comp.boundingBox({ includeLabels: false }) });
      }
      placed = pack(boxes, aspect, 40);
    }
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
          boundingBox: { x1: 0, y1: placed.h + (placed.h ? 60 : 0), w: width, h: rows * 40 },
        })
        .run();
    }
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
    // Who reads whom among what is drawn, self-loops left out.
    const reads = new Map();
    const readBy = new Set();
    cy.edges().not(OFF).forEach((e) => {
      const s = e.source().id();
      const t = e.target().id();
      if (s === t) return;
      if (!reads.has(s)) reads.set(s, []);
      reads.get(s).push(`${t}${e.data('trigger') ? '~' : ''}`);
      readBy.add(t);
    });
    const bySig = new Map();
    cy.nodes().not(OFF).forEach((n) => {
      if (n.data('kind') !== 'widget' || n.data('cycle') || n.data('closed')) return;
      if (readBy.has(n.id()) || !reads.has(n.id())) return;
      const sig = reads.get(n.id()).sort().join('\n');
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
      const rowH = 34;
      const w = cols * colW + 14;
      const h = rows * rowH + 12;
      const targets = new Map();
      for (const n of nodes) {
        n.connectedEdges().not(OFF).forEach((e) => {
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

  /**
   * The zoom at which what is drawn just fits the window. Labels sit
   * inside their nodes, but for a group's title above it: without measuring
   * every label (slow), a margin for that.
   */
  fitZoom(eles = this.cy.elements().not(OFF)) {
    const cy = this.cy;
    if (!eles.length) return MAX_FIT_ZOOM;
    const bb = eles.boundingBox({ includeLabels: false });
    return Math.min((cy.width() - 2 * PAD) / Math.max(1, bb.w + 4), (cy.height() - 2 * PAD) / Math.max(1, bb.h + FONT.box + 4));
  }

  /**
   * fit shows the drawing. By default never below MIN_ZOOM: a drawing that
   * does not fit at that size shows its top left, the rest a pan away.
   * {all: true} fits everything, however small (the Fit button).
   */
  fit({ all = false, eles } = {}) {
    const cy = this.cy;
    if (!cy) return;
    const target = eles && eles.length ? eles : cy.elements().not(OFF);
    if (!target.length) return;
    const z = Math.min(this.fitZoom(target), MAX_FIT_ZOOM);
    if (all || z >= MIN_ZOOM) {
      cy.zoom(Math.max(z, cy.minZoom()));
      cy.center(target);
      return;
    }
    cy.zoom(MIN_ZOOM);
    const bb = target.boundingBox({ includeLabels: false });
    cy.pan({ x: PAD - bb.x1 * MIN_ZOOM, y: PAD - bb.y1 * MIN_ZOOM });
  }

  /** The entity pairs a drawn edge stands for. */
  pairsOf(ed) {
    if (ed.data('agg')) return ed.data('members');
    if (ed.data('bundle')) return ed.source().data('members').map((m) => [m, ed.target().id()]);
    return [[ed.source().id(), ed.target().id()]];
  }

  /**
   * Marks a selection: the entity, what it depends on and what depends on
   * it (classes selected-entity, dependency, dependent, faded; the same
   * marks on node data as `mark`, for tests). A closed container is marked
   * for what its widgets are.
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
        const members = this.membersOf(id);
        const marks = [];
        if (id === name) {
          n.addClass('selected-entity');
          marks.push('selected');
        }
        if (members.some((m) => deps.has(m) && m !== name)) {
          n.addClass('dependency');
          marks.push('dependency');
        }
        if (members.some((m) => users.has(m) && m !== name)) {
          n.addClass('dependent');
          marks.push('dependent');
        }
        if (!marks.length) n.addClass('faded');
        n.data('mark', marks.join(' '));
      });
      cy.edges().forEach((ed) => {
        const pairs = this.pairsOf(ed);
        const bundle = !!ed.data('bundle');
        if (pairs.some(([s, t]) => (bundle ? s === name : upstream.has(s)) && deps.has(t))) ed.addClass('dependency');
        else if (pairs.some(([s, t]) => users.has(s) && downstream.has(t))) ed.addClass('dependent');
        else ed.addClass('faded');
        // The selected widget's own arrows are drawn, out of its group.
        if (ed.hasClass('bundled') && ed.source().id() === name && deps.has(ed.target().id())) ed.addClass('unbundled');
      });
      // Binding labels on the lit arrows, unless there are too many to read.
      const lit = cy.edges('.dependency, .dependent').not(OFF);
      if (lit.length > 40) lit.addClass('nolabel');
    });
  }

  /**
   * Brings an entity into view, centred and at a readable size (at least
   * zoom 1), if it is drawn.
   */
  reveal(name, { animate = true } = {}) {
    const cy = this.cy;
    const n = cy?.getElementById(name);
    if (!n || n.empty() || n.is(OFF)) return false;
    // Centred, zoomed in to at least 1, with its neighbours in view if that
    // takes no less.
    const z = Math.max(1, Math.min(this.fitZoom(n.closedNeighborhood().not(OFF)), MAX_FIT_ZOOM));
    const p = n.position();
    const pan = { x: cy.width() / 2 - p.x * z, y: cy.height() / 2 - p.y * z };
    cy.stop();
    if (animate) cy.animate({ zoom: z, pan, duration: 250 });
    else cy.viewport({ zoom: z, pan });
    return true;
  }
}
