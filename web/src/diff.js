// Small before/after diffs for rename previews. Pure: node --test runs it.

/**
 * lineDiff compares two texts line by line and returns the rows to show:
 * {op: ' ' | '-' | '+' | '…', text, mark?: [start, end]} where mark is the
 * changed part of a - or + line paired with its counterpart. Only changed
 * lines and `context` lines around them are kept; skipped stretches become
 * one '…' row.
 */
export function lineDiff(before, after, { context = 1, maxLine = 160 } = {}) {
  const a = String(before ?? '').split('\n');
  const b = String(after ?? '').split('\n');
  const ops = align(a, b);
  // Pair each run of deletions with the insertions after it, to mark words.
  const rows = [];
  for (let i = 0; i < ops.length; ) {
    if (ops[i].op === ' ') {
      rows.push({ op: ' ', text: ops[i].text });
      i++;
      continue;
    }
    const dels = [];
    const ins = [];
    while (i < ops.length && ops[i].op === '-') dels.push(ops[i++].text);
    while (i < ops.length && ops[i].op === '+') ins.push(ops[i++].text);
    const n = Math.max(dels.length, ins.length);
    const dRows = [];
    const iRows = [];
    for (let k = 0; k < n; k++) {
      if (k < dels.length && k < ins.length) {
        const [ds, de, is, ie] = changedSpan(dels[k], ins[k]);
        dRows.push(clip({ op: '-', text: dels[k], mark: [ds, de] }, maxLine));
        iRows.push(clip({ op: '+', text: ins[k], mark: [is, ie] }, maxLine));
      } else if (k < dels.length) {
        dRows.push(clip({ op: '-', text: dels[k] }, maxLine));
      } else {
        iRows.push(clip({ op: '+', text: ins[k] }, maxLine));
      }
    }
    rows.push(...dRows, ...iRows);
  }
  // Keep context around changes.
  const keep = new Array(rows.length).fill(false);
  rows.forEach((r, i) => {
    if (r.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(rows.length - 1, i + context); k++) keep[k] = true;
  });
  const out = [];
  let skipped = 0;
  rows.forEach((r, i) => {
    if (keep[i]) {
      if (skipped) out.push({ op: '…', text: `${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
      skipped = 0;
      out.push(r.op === ' ' ? clip(r, maxLine) : r);
    } else {
      skipped++;
    }
  });
  if (skipped && out.length) out.push({ op: '…', text: `${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
  return out;
}

/** The changed middle of two lines: [aStart, aEnd, bStart, bEnd]. */
export function changedSpan(x, y) {
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  let s = 0;
  while (s < x.length - p && s < y.length - p && x[x.length - 1 - s] === y[y.length - 1 - s]) s++;
  // Widen to whole identifier characters so `Input1` → `NameInput` reads as
  // one word, not a changed suffix.
  const word = /[A-Za-z0-9_$]/;
  while (p > 0 && word.test(x[p - 1]) && word.test(y[p - 1] ?? '')) p--;
  while (s > 0 && word.test(x[x.length - s] ?? '') && word.test(y[y.length - s] ?? '')) s--;
  return [p, x.length - s, p, y.length - s];
}

/** Shortens a long line around its mark (or its start) to about max chars. */
function clip(row, max) {
  const t = row.text;
  if (t.length <= max) return row;
  const [ms, me] = row.mark ?? [0, 0];
  const room = Math.max(20, Math.floor((max - (me - ms)) / 2));
  let from = Math.max(0, ms - room);
  let to = Math.min(t.length, Math.max(me + room, from + max));
  if (to - from > max && me - ms < max) to = Math.min(t.length, Math.max(me, from + max));
  const pre = from > 0 ? '…' : '';
  const post = to < t.length ? '…' : '';
  const out = { op: row.op, text: pre + t.slice(from, to) + post };
  if (row.mark) out.mark = [Math.max(0, ms - from) + pre.length, Math.min(to, me) - from + pre.length];
  return out;
}

/**
 * align is a line diff: equal line counts (what a rename gives) compare
 * line by line; otherwise the longest common subsequence, with common ends
 * trimmed first.
 */
function align(a, b) {
  const ops = [];
  if (a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) ops.push({ op: ' ', text: a[i] });
      else ops.push({ op: '-', text: a[i] }, { op: '+', text: b[i] });
    }
    return ops;
  }
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  for (let i = 0; i < pre; i++) ops.push({ op: ' ', text: a[i] });
  if (am.length * bm.length > 4e6) {
    for (const t of am) ops.push({ op: '-', text: t });
    for (const t of bm) ops.push({ op: '+', text: t });
  } else {
    const n = am.length;
    const m = bm.length;
    const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i][j] = am[i] === bm[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ op: ' ', text: am[i] });
        i++;
        j++;
      } else if (i < n && (j === m || L[i + 1][j] >= L[i][j + 1])) {
        ops.push({ op: '-', text: am[i++] });
      } else {
        ops.push({ op: '+', text: bm[j++] });
      }
    }
  }
  for (let i = a.length - suf; i < a.length; i++) ops.push({ op: ' ', text: a[i] });
  return ops;
}
