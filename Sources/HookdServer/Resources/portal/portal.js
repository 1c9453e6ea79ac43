// What both portal pages share: the API client (cookie session, CSRF header, the error envelope), building DOM
// without HTML strings, formatting, small SVG charts, and the session header. No framework, no build step.
//
// Everything the API returns is untrusted text: it reaches the page only through textContent and attribute values,
// never through innerHTML.

const SVG = 'http://www.w3.org/2000/svg';

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

// ---- DOM -----------------------------------------------------------------------------------------------------

/**
 * Makes an element: `attributes` may hold `class`, `text` (textContent), `dataset` (an object), `on` (event
 * listeners by name), boolean properties (`hidden`, `disabled`, `checked`, `selected`, `required`) and any other
 * attribute. `children` are nodes, strings (as text), or arrays of them; `null`/`false` are skipped.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = String(value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'on') for (const [event, listener] of Object.entries(value)) element.addEventListener(event, listener);
    else if (['hidden', 'disabled', 'checked', 'selected', 'required', 'multiple', 'open'].includes(name)) element[name] = Boolean(value);
    else if (name === 'value') element.value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  appendAll(element, children);
  return element;
}

/** Appends `children` (nodes, strings, arrays; `null`/`false` skipped) to `parent`. */
export function append(parent, ...children) {
  appendAll(parent, children);
}

function appendAll(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendAll(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent` with `children`. */
export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  appendAll(parent, children);
}

let uniqueCounter = 0;
/** A fresh id for pairing a `<label>` with its control. */
export function uniqueId(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

/** A labelled form control: `<div class="field"><label for>…</label>control hint</div>`. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uniqueId('field');
  const hintElement = hint ? h('p', { class: 'hint', id: `${control.id}-hint`, text: hint }) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: control.id, text: labelText }), control, hintElement);
}

/** A `<select>` from `[value, label]` pairs. */
export function select(name, options, selected) {
  return h(
    'select',
    { name },
    options.map(([value, label]) => h('option', { value, text: label, selected: String(value) === String(selected ?? '') })),
  );
}

/** The error of a failed call, shown where the action was: code, message, detail and the fields at fault. */
export function errorView(error) {
  const box = h('div', { class: 'error', role: 'alert' });
  if (error instanceof ApiError) {
    box.append(
      h('p', {}, h('strong', { class: 'error-code', text: error.code }), ' ', h('span', { text: error.message })),
    );
    if (error.detail) box.append(h('p', { class: 'error-detail', text: error.detail }));
    if (error.fields.length) {
      box.append(
        h(
          'ul',
          { class: 'error-fields' },
          error.fields.map((f) => h('li', {}, h('code', { text: f.field }), ': ', h('span', { text: f.message }))),
        ),
      );
    }
  } else {
    box.append(h('p', { text: `Something went wrong in the page: ${error && error.message ? error.message : error}` }));
  }
  return box;
}

/** A line saying an action worked, shown where the action was. */
export function successView(text) {
  return h('p', { class: 'ok', role: 'status', text });
}

/**
 * Runs `action` for a button: disables the button while it runs, and shows the outcome in `status` (the element
 * beside the button): the error envelope when the call fails, or the text `action` answers when it succeeds.
 */
export async function runAction(button, status, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  status.replaceChildren();
  try {
    const message = await action();
    if (message) status.replaceChildren(successView(message));
    return true;
  } catch (error) {
    status.replaceChildren(errorView(error));
    return false;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** A button that copies `text()` to the clipboard, saying so beside itself. */
export function copyButton(text, label = 'Copy') {
  const note = h('span', { class: 'copy-note', role: 'status' });
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    text: label,
    on: {
      click: async () => {
        try {
          if (navigator.clipboard && window.isSecureContext) {
            await navigator.clipboard.writeText(text());
          } else {
            copyBySelection(text());
          }
          note.textContent = 'Copied';
        } catch {
          note.textContent = 'Copy failed: select the text and copy it';
        }
      },
    },
  });
  return h('span', { class: 'copy' }, button, note);
}

function copyBySelection(text) {
  const area = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  const done = document.execCommand('copy');
  area.remove();
  if (!done) throw new Error('copy refused');
}

/** A status word as a coloured badge (`ACTIVE`, `FAILED`, …). */
export function badge(text, kind) {
  return h('span', { class: `badge badge-${(kind || text || '').toString().toLowerCase()}`, text });
}

// ---- Formatting ----------------------------------------------------------------------------------------------

/** An API timestamp as `YYYY-MM-DD HH:MM:SS UTC` inside a `<time>`; `—` when absent. */
export function timeView(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  return h('time', { datetime: iso, text: formatTime(iso) });
}

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatClock(date) {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

export function formatMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

export function formatPercent(fraction) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '—';
  const percent = fraction * 100;
  return `${percent >= 99.95 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)} %`;
}

export function formatRate(value) {
  if (value === 0) return '0';
  if (value < 0.01) return value.toFixed(4);
  if (value < 10) return value.toFixed(2);
  return value.toFixed(0);
}

/** `card.funded` → `CARD_FUNDED`, the v3.20 spelling. */
export function upperEventName(name) {
  return name.replace(/\./g, '_').toUpperCase();
}

// ---- Charts --------------------------------------------------------------------------------------------------

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/**
 * A small chart as inline SVG: `bars` stacks each series' values per slot, `lines` draws each series as a line
 * (a `null` value leaves a gap). `series` is `[{values, className, label}]`; every series has one value per slot.
 * The chart is an image to assistive technology, described by `label`; the numbers are also written in the page.
 */
export function chart({ kind = 'bars', series, label, width = 300, height = 64, max }) {
  const slots = Math.max(1, ...series.map((s) => s.values.length));
  const totals = Array.from({ length: slots }, (_, i) =>
    kind === 'bars'
      ? series.reduce((sum, s) => sum + (s.values[i] || 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] || 0)),
  );
  const top = max ?? Math.max(...totals);
  const scale = top > 0 ? (height - 4) / top : 0;
  const root = svg('svg', {
    class: `chart chart-${kind}`,
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': label,
  });
  root.append(svg('title', {}, document.createTextNode(label)));
  root.append(svg('line', { class: 'chart-axis', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }));
  const slotWidth = width / slots;
  if (kind === 'bars') {
    for (let i = 0; i < slots; i += 1) {
      let y = height;
      for (const s of series) {
        const value = s.values[i] || 0;
        if (value <= 0) continue;
        const barHeight = Math.max(1, value * scale);
        y -= barHeight;
        root.append(
          svg('rect', {
            class: s.className,
            x: (i * slotWidth + slotWidth * 0.1).toFixed(2),
            y: y.toFixed(2),
            width: Math.max(0.5, slotWidth * 0.8).toFixed(2),
            height: barHeight.toFixed(2),
          }),
        );
      }
    }
  } else {
    for (const s of series) {
      let path = '';
      let pen = false;
      s.values.forEach((value, i) => {
        if (value === null || value === undefined) {
          pen = false;
          return;
        }
        const x = (i + 0.5) * slotWidth;
        const y = height - 2 - value * scale;
        path += `${pen ? 'L' : 'M'}${x.toFixed(2)} ${y.toFixed(2)} `;
        pen = true;
      });
      if (path) root.append(svg('path', { class: s.className, d: path.trim(), 'vector-effect': 'non-scaling-stroke' }));
      // Single points would not show as a line: mark each with a dot.
      s.values.forEach((value, i) => {
        if (value === null || value === undefined) return;
        root.append(
          svg('circle', {
            class: `${s.className} chart-dot`,
            cx: ((i + 0.5) * slotWidth).toFixed(2),
            cy: (height - 2 - value * scale).toFixed(2),
            r: 2.2,
          }),
        );
      });
    }
  }
  return root;
}

/** A legend for a chart's series: a swatch and the series' label each. */
export function legend(series) {
  return h(
    'ul',
    { class: 'legend' },
    series.map((s) => h('li', {}, h('span', { class: `swatch ${s.className}`, 'aria-hidden': 'true' }), s.label)),
  );
}

// ---- Page frame ----------------------------------------------------------------------------------------------

export const SESSION_ENDED_TEXT = 'Your portal session has ended; ask for a new link (hookd portal-link)';

/** Replaces the page's content with the message that the session is gone, and hides what needs one. */
export function showSessionEnded(main, text = SESSION_ENDED_TEXT) {
  for (const element of document.querySelectorAll('[data-needs-session]')) element.hidden = true;
  replaceChildren(
    main,
    h(
      'section',
      { class: 'card session-ended', id: 'session-ended' },
      h('h1', { text: 'Session ended' }),
      h('p', { class: 'session-ended-text', text }),
    ),
  );
  main.focus();
}

/**
 * Fills the header's session part (when it ends, the logout button) and ends the page when the session does.
 * `main` is where the message goes once the session is over.
 */
export function startSessionHeader(session, main) {
  const expiry = document.getElementById('session-expiry');
  const logout = document.getElementById('logout');
  const ends = new Date(session.expiresAt);
  replaceChildren(expiry, 'Session ends ', h('time', { datetime: session.expiresAt, text: formatClock(ends) }));
  logout.hidden = false;
  const status = document.getElementById('logout-status');
  logout.addEventListener('click', () =>
    runAction(logout, status, async () => {
      await api('POST', '/api/v3/portal/logout', { body: {} });
      showSessionEnded(main, 'You have logged out. Ask for a new link (hookd portal-link) to come back.');
      expiry.textContent = '';
      logout.hidden = true;
    }),
  );
  const remaining = ends.getTime() - Date.now();
  // setTimeout takes at most 2^31-1 ms; a session lasts an hour by default.
  if (remaining > 0 && remaining < 2 ** 31 - 1) window.setTimeout(() => showSessionEnded(main), remaining + 1000);
  onSessionEnded(() => {
    expiry.textContent = '';
    logout.hidden = true;
    showSessionEnded(main);
  });
}

/** Starts a page: reads the session, checks its kind, and shows the session-ended message when there is none. */
export async function startPage(expectedKind, render) {
  const main = document.getElementById('main');
  let session;
  try {
    session = await loadSession();
  } catch (error) {
    replaceChildren(main, h('h1', { text: 'The portal cannot start' }), errorView(error));
    return;
  }
  if (!session) {
    showSessionEnded(main);
    return;
  }
  if (session.kind !== expectedKind) {
    const other = session.kind === 'operator' ? '/portal/operator' : '/portal/';
    replaceChildren(
      main,
      h('h1', { text: 'Another kind of session' }),
      h('p', {}, 'This session is for ', session.kind === 'operator' ? 'the operator' : 'an app', ': ', h('a', { href: other, text: 'open its page' }), '.'),
    );
    return;
  }
  startSessionHeader(session, main);
  for (const element of document.querySelectorAll('[data-needs-session]')) element.hidden = false;
  await render(session, main);
}
