// What the page says when something fails, and how it names places. The
// API answers with status codes, store messages and document or file paths;
// the page says what happened in words and names places as
// page › entity › property. Pure: node --test runs it.

/** page › entity › property, leaving out empty and repeated parts. */
export function place(...parts) {
  const out = [];
  for (const p of parts) {
    if (p == null || p === '') continue;
    const s = String(p);
    if (out[out.length - 1] !== s) out.push(s);
  }
  return out.join(' › ');
}

/** The place of one change of a rename plan ({entity, path}) on a page. */
export function changePlace(page, change) {
  return place(page, change?.entity, change?.path);
}

// Store documents (collection/id) and file paths, which mean nothing to
// the person reading the page.
const DOCUMENT = /\b(?:newPage|newAction|actionCollection|application)[/-][0-9a-f]{24}(?:\.json)?\b/g;
const PATH = /(?:^|\s)(?:\.{0,2}\/)?(?:[\w.@ -]+\/)+[\w.@ -]*\.(?:json|js|txt)\b/g;
const STORE_DIR = /\S*rts-store\/\S*/g;

/** Looks like a file or document path rather than a node name. */
export function isPath(s) {
  s = String(s);
  return /[/\\]/.test(s) || /\.(json|js|txt)$/.test(s);
}

/**
 * places turns the `where` of a refused rename into places: node names
 * (Table1.tableData) become page › entity › property, "page X" stays, and
 * file or document paths are left out (the message already names the
 * entity they hold).
 */
export function places(page, where) {
  if (!Array.isArray(where)) return [];
  const out = [];
  for (const w of where) {
    if (typeof w !== 'string' || !w || isPath(w)) continue;
    if (/^page /.test(w)) {
      out.push(w);
      continue;
    }
    const i = w.indexOf('.');
    out.push(i < 0 ? place(page, w) : place(page, w.slice(0, i), w.slice(i + 1)));
  }
  return out;
}

/**
 * clean makes an API message readable: without the `: <where>` it ends
 * with, the "store:" and "not found:" prefixes, document and file paths,
 * and with the app's name for its id; a capital first letter and a full
 * stop.
 */
export function clean(message, { where, appId, appName } = {}) {
  let m = String(message ?? '').trim();
  if (Array.isArray(where) && where.length) {
    const tail = `: ${where.join('; ')}`;
    if (m.endsWith(tail)) m = m.slice(0, -tail.length);
  }
  m = m.replace(/^(?:store: )?(?:not found: )?/, '');
  m = m.replace(STORE_DIR, '').replace(DOCUMENT, '').replace(PATH, ' ');
  if (appId && appName) m = m.split(`app ${appId}`).join(`app ${appName}`).split(`"${appId}"`).join(`"${appName}"`);
  m = m.replace(/\s*:\s*$/, '').replace(/\s{2,}/g, ' ').replace(/\s+([,.;])/g, '$1').trim();
  if (!m) return '';
  m = m[0].toUpperCase() + m.slice(1);
  return /[.!?]$/.test(m) ? m : `${m}.`;
}

/**
 * explain says in words why a call failed. err: {status, message, data}
 * (an ApiError); context: {appId, appName, page, preview} where preview is
 * the last rename plan shown (its changes name the documents they are
 * in). Returns {text, places}: a sentence, and the places it concerns.
 */
export function explain(err, { appId, appName, page, preview } = {}) {
  const status = err?.status ?? 0;
  const data = err?.data ?? {};
  const where = data.where ?? data.Where;
  const ctx = { where, appId, appName };
  if (status === 0) return { text: 'The server cannot be reached: is rts still running?', places: [] };
  if (status === 401) return { text: 'This server needs its secret (x-rts-secret) for the API.', places: [] };
  if (status === 409 && Array.isArray(data.documents)) {
    // Someone wrote between the plan and the write: the changed documents,
    // named by what the last preview showed in them.
    const seen = new Set();
    const out = [];
    for (const doc of data.documents) {
      const inDoc = (preview?.changes ?? []).filter((c) => c.document === doc || c.file === doc);
      for (const c of inDoc) {
        const p = c.kind === 'key' ? place(page) : place(page, c.entity);
        if (!seen.has(p)) out.push(p), seen.add(p);
      }
    }
    const n = data.documents.length;
    const what = out.length ? '' : ` (${n} ${n === 1 ? 'document' : 'documents'} of the app)`;
    return {
      text: `Someone else changed this app while it was being renamed${what}: nothing was renamed. Preview again to plan on the latest version.`,
      places: out,
    };
  }
  if (status === 503) {
    if (/needs a store|without one/.test(err?.message ?? '')) {
      return { text: 'This server runs without a store (rts serve --no-store): it has no apps to show.', places: [] };
    }
    return { text: "The server's store cannot be reached right now: try again in a moment.", places: [] };
  }
  if (status >= 500) return { text: 'The server failed on this request; its log says why.', places: [] };
  if (status === 404 && /not found: application\b/.test(err?.message ?? '')) {
    return { text: `The app${appName ? ` ${appName}` : ''} is not in the store any more: reload the page for the apps there are.`, places: [] };
  }
  return { text: clean(err?.message, ctx) || 'The server refused the request.', places: places(page, where) };
}
