// Building DOM without HTML strings, for both portal pages: elements, form fields, the outcome of an action, badges
// and times.
//
// Everything the API returns is untrusted text: it reaches the page only through textContent and attribute values,
// never through innerHTML.

import { ApiError } from './api.js';
import { formatTime } from './format.js';

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

/** An API timestamp as `YYYY-MM-DD HH:MM:SS UTC` inside a `<time>`; `—` when absent. */
export function timeView(iso) {
  if (!iso) return h('span', { class: 'muted', text: '—' });
  return h('time', { datetime: iso, text: formatTime(iso) });
}

/** A term and its value in a `<dl>`. */
export function fact(term, value) {
  return h('div', {}, h('dt', { text: term }), h('dd', {}, value));
}
