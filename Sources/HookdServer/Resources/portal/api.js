// The API client of both portal pages: the cookie session, the CSRF header every change carries, and the error
// envelope turned into an `ApiError`.

/** An answer of the API that is not a success: the envelope's `error` (code, detail, fields) and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, detail, fields) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fields = Array.isArray(fields) ? fields : [];
  }
}

let csrfToken = null;
const sessionEndedListeners = [];

/** Called once when any call answers 401: the cookie session has expired or was ended. */
export function onSessionEnded(listener) {
  sessionEndedListeners.push(listener);
}

/**
 * Calls the API with the session cookie and answers its envelope (`data`, `pagination`, `secret`, …).
 * Requests that change something carry the session's CSRF token. Throws an `ApiError` for every non-success.
 */
export async function api(method, path, { body, query } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', 'hookd did not answer', String(error && error.message ? error.message : error));
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    envelope = null;
  }
  if (!response.ok || !envelope || envelope.success !== true) {
    const error = (envelope && envelope.error) || {};
    const failure = new ApiError(
      response.status,
      error.code || `HTTP_${response.status}`,
      (envelope && envelope.message) || response.statusText || 'The request failed',
      error.detail,
      error.fields,
    );
    if (response.status === 401) {
      for (const listener of sessionEndedListeners.splice(0)) listener(failure);
    }
    throw failure;
  }
  return envelope;
}

/**
 * Reads the portal session (`GET /api/v3/portal/session`) and keeps its CSRF token for later calls.
 * Answers `null` when there is no session (401).
 */
export async function loadSession() {
  try {
    const envelope = await api('GET', '/api/v3/portal/session');
    csrfToken = envelope.data.csrfToken;
    return envelope.data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}
