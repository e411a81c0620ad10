// The HTTP API the page uses (SPEC §4), with the {"success","data"} envelope
// unwrapped: a call resolves to `data` or throws an ApiError.

const BASE = '/rts-api/v1';
const SECRET_KEY = 'rts.secret';

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.data = data;
  }
}

/** The x-rts-secret to send, when the server needs one (kept per tab). */
export function setSecret(secret) {
  try {
    if (secret) sessionStorage.setItem(SECRET_KEY, secret);
    else sessionStorage.removeItem(SECRET_KEY);
  } catch {
    /* storage disabled: the secret is not kept */
  }
}

/** The secret entered in this tab, or null. */
export function secret() {
  try {
    return sessionStorage.getItem(SECRET_KEY);
  } catch {
    return null;
  }
}

export async function call(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const s = secret();
  if (s) headers['x-rts-secret'] = s;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, `the server cannot be reached (${e.message})`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok || json === null || json.success === false) {
    const msg =
      (typeof json?.message === 'string' && json.message) ||
      (typeof json?.data?.error === 'string' && json.data.error) ||
      (typeof json?.error === 'string' && json.error) ||
      (text && text.length < 200 && !text.trimStart().startsWith('<') ? text.trim() : '') ||
      `${res.status} ${res.statusText}`.trim();
    throw new ApiError(res.status, msg, json?.data);
  }
  return json.data;
}

const enc = encodeURIComponent;

export const listApps = () => call(`${BASE}/apps`);

export const getGraph = (appId, page) =>
  call(`${BASE}/apps/${enc(appId)}/graph${page != null ? `?page=${enc(page)}` : ''}`);

export const getDependents = (appId, page, node) =>
  call(`${BASE}/apps/${enc(appId)}/dependents?page=${enc(page)}&node=${enc(node)}`);

export const rename = (appId, { page, oldName, newName, dryRun }) =>
  call(`${BASE}/apps/${enc(appId)}/rename`, { method: 'POST', body: { page, oldName, newName, dryRun } });
