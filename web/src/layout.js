// Placing nodes. The layered layout (dagre, in graph.js) reads best, but a
// page whose entities read each other back and forth (a query reading the
// inputs of the form that shows its data) gets many ranks and long arrows,
// wider than any window. columns() is the fallback that always uses the
// window: one column per kind, in the order data flows on a page (widgets,
// JS objects, queries), each kept within the window's height by wrapping
// into sub-columns, ordered to keep arrows short.

// Columns, left to right, by node kind.
const COLUMN_OF = { widget: 0, other: 0, jsobject: 1, action: 2 };
const ROW = 36; // a row of the column layout, in graph units
const SUB_GAP = 24; // between the sub-columns of a column
const MIN_KIND_GAP = 60; // between kind columns: room for the arrows

/**
 * pack places laid-out groups in rows (largest first), each row as wide as
 * the whole would be at the given aspect ratio, and moves their nodes there.
 * Returns the packed width and height.
 */
export function pack(boxes, aspect, gap) {
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
 * columnsWidth estimates, without placing anything, how wide columns()
 * would draw these nodes within `height`: each column as many sub-columns
 * as its rows need, each as wide as the column's widest node.
 */
export function columnsWidth(nodes, height) {
  const rows = [0, 0, 0];
  const widest = [0, 0, 0];
  nodes.forEach((n) => {
    const c = COLUMN_OF[n.data('kind')] ?? 0;
    rows[c] += 1;
    widest[c] = Math.max(widest[c], n.data('w'));
  });
  const maxRows = Math.max(1, Math.floor(height / ROW) - 1);
  let w = 0;
  let used = 0;
  for (let c = 0; c < 3; c++) {
    if (!rows[c]) continue;
    const subs = Math.ceil(rows[c] / maxRows);
    w += subs * widest[c] + (subs - 1) * SUB_GAP;
    used++;
  }
  return w + Math.max(0, used - 1) * MIN_KIND_GAP + 16;
}

/**
 * columns places nodes (a cytoscape collection) in kind columns within a
 * box of width × height graph units, using it: rows spread over the
 * height, columns over the width. Nodes are ordered within their column by
 * the mean place of their neighbours (`edges` among them) in the other
 * columns, a few sweeps, so arrows run mostly level. A node's height comes
 * from data('h') when it has one (a group box), else one row. Returns the
 * width and height used.
 */
export function columns(nodes, edges, width, height) {
  width -= 16; // borders and arrowheads reach past the nodes' widths
  const cols = [[], [], []];
  nodes.forEach((n) => cols[COLUMN_OF[n.data('group') ? 'widget' : n.data('kind')] ?? 0].push(n));
  const used = cols.filter((c) => c.length);
  if (!used.length) return { w: 0, h: 0 };
  const rows = (n) => Math.max(1, Math.ceil((n.data('h') ?? 0) / ROW));
  const neighbours = new Map();
  nodes.forEach((n) => neighbours.set(n.id(), []));
  edges.forEach((e) => {
    const s = e.source().id();
    const t = e.target().id();
    if (s === t || !neighbours.has(s) || !neighbours.has(t)) return;
    neighbours.get(s).push(t);
    neighbours.get(t).push(s);
  });
  const colOf = new Map();
  cols.forEach((col, i) => col.forEach((n) => colOf.set(n.id(), i)));
  // Where each node sits in its column, 0 (top) to 1 (bottom).
  const where = new Map();
  const place = () => {
    for (const col of used) col.forEach((n, i) => where.set(n.id(), col.length > 1 ? i / (col.length - 1) : 0.5));
  };
  for (const col of used) col.sort((a, b) => neighbours.get(b.id()).length - neighbours.get(a.id()).length || a.id().localeCompare(b.id()));
  place();
  for (let sweep = 0; sweep < 6; sweep++) {
    const order = sweep % 2 ? [...used].reverse() : used;
    for (const col of order) {
      const bary = new Map();
      for (const n of col) {
        const others = neighbours.get(n.id()).filter((m) => colOf.get(m) !== colOf.get(n.id()));
        bary.set(n.id(), others.length ? others.reduce((s, m) => s + where.get(m), 0) / others.length : where.get(n.id()));
      }
      col.sort((a, b) => bary.get(a.id()) - bary.get(b.id()));
      col.forEach((n, i) => where.set(n.id(), col.length > 1 ? i / (col.length - 1) : 0.5));
    }
  }
  // Each column wraps into as many sub-columns as its rows need to stay
  // within the height; rows go across the sub-columns, so the order holds
  // from top to bottom.
  // A row's nodes reach half a row above and below it: keep a row spare.
  const maxRows = Math.max(1, Math.floor(height / ROW) - 1);
  const layouts = used.map((col) => {
    const total = col.reduce((s, n) => s + rows(n), 0);
    const subs = Math.max(1, Math.ceil(total / maxRows));
    const subW = new Array(subs).fill(0);
    const cells = [];
    let row = 0;
    let sub = 0;
    for (const n of col) {
      cells.push({ n, sub, row });
      subW[sub] = Math.max(subW[sub], n.data('w'));
      sub++;
      if (sub === subs) {
        sub = 0;
        row += Math.max(...cells.slice(-subs).map((c) => rows(c.n)));
      }
    }
    const height = (sub === 0 ? row : row + Math.max(...cells.slice(-sub).map((c) => rows(c.n)))) * ROW;
    const w = subW.reduce((s, x) => s + x, 0) + SUB_GAP * (subs - 1);
    return { cells, subW, height, w };
  });
  const contentW = layouts.reduce((s, l) => s + l.w, 0);
  const gap = Math.max(MIN_KIND_GAP, Math.min(320, (width - contentW) / Math.max(1, used.length - 1)));
  const totalW = contentW + gap * (used.length - 1);
  // Sparse columns spread down to the window's proportions, no further
  // than the height and 2.5 times their rows.
  const tallest = Math.max(...layouts.map((l) => l.height));
  const h = Math.max(tallest, Math.min(height - ROW, tallest * 2.5, (totalW * height) / width));
  let x = 0;
  for (const l of layouts) {
    // Spread the rows over the height the drawing takes.
    const stretch = l.height > 0 ? Math.max(1, h / l.height) : 1;
    const subX = [];
    let sx = x;
    for (const w of l.subW) {
      subX.push(sx + w / 2);
      sx += w + SUB_GAP;
    }
    for (const c of l.cells) {
      c.n.position({ x: subX[c.sub], y: (c.row * ROW + (rows(c.n) * ROW) / 2) * stretch });
    }
    x += l.w + gap;
  }
  // An arrow between two nodes of one column would run over the nodes
  // between them: it bends out into the gap beside the column (left of the
  // last column, right of the others).
  const column = new Map();
  used.forEach((col, i) => col.forEach((n) => column.set(n.id(), i)));
  edges.forEach((e) => {
    const cs = column.get(e.source().id());
    if (cs === undefined || cs !== column.get(e.target().id()) || e.source().same(e.target())) {
      e.removeData('bend');
      return;
    }
    const dy = e.target().position('y') - e.source().position('y');
    const dx = e.target().position('x') - e.source().position('x');
    const side = cs === used.length - 1 ? -1 : 1;
    // Positive distances are to the right of the source → target line.
    const sign = Math.abs(dy) >= Math.abs(dx) ? Math.sign(dy || 1) * -side : side;
    e.data('bend', sign * (24 + 0.2 * Math.hypot(dx, dy)));
  });
  return { w: totalW, h };
}
