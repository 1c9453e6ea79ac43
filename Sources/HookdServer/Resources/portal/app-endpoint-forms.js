// The app page's forms for endpoints: add, edit, send a test, recover failed deliveries, rotate the secret.

import { api } from './api.js';
import { copyButton, field, h, replaceChildren, runAction, select, uniqueId } from './dom.js';
import { formatMs, upperEventName } from './format.js';

const OVERLAPS = [
  ['0', 'None: the old secret stops now'],
  ['3600', '1 hour'],
  ['86400', '24 hours'],
  ['604800', '7 days'],
];

const ORDERINGS = [
  ['NONE', 'None'],
  ['KEYED', 'Keyed by ordering key'],
];

/** The secret of a new or rotated endpoint, shown once, in the page only, with a copy button. */
function secretOnce(secret, title) {
  const box = h(
    'div',
    { class: 'secret-once', role: 'status' },
    h('p', {}, h('strong', { text: title })),
    h('p', { class: 'secret-line' }, h('code', { class: 'secret-value', text: secret }), copyButton(() => secret)),
    h('p', { class: 'hint', text: 'Shown this once: store it with your receiver now. hookd will not show it again.' }),
  );
  box.append(h('button', { type: 'button', class: 'secondary', text: 'Hide secret', on: { click: () => box.remove() } }));
  return box;
}

function eventCheckboxes(events, chosen) {
  const chosenSet = new Set((chosen || []).map(upperEventName));
  return h(
    'fieldset',
    { class: 'checkboxes' },
    h('legend', { text: 'Events' }),
    events.map((entry) => {
      const id = uniqueId('event');
      const name = entry.event;
      return h(
        'div',
        { class: 'checkbox' },
        h('input', { type: 'checkbox', id, name: 'events', value: name, checked: chosenSet.has(name) }),
        h('label', { for: id, text: name }),
      );
    }),
  );
}

function checkedEvents(form) {
  return Array.from(form.querySelectorAll('input[name="events"]:checked')).map((box) => box.value);
}

/** `Name: value` lines as an object; throws on a line without a colon. */
function parseHeaders(text) {
  const headers = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`line ${index + 1} of the headers is not "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function headersText(headers) {
  return Object.entries(headers || {})
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

function endpointFields(endpoint, events, v3) {
  const url = h('input', { type: 'url', name: 'url', required: true, value: endpoint ? endpoint.url : '', placeholder: 'https://example.com/webhooks', autocomplete: 'off' });
  const description = h('input', { type: 'text', name: 'description', maxlength: '255', value: endpoint && endpoint.description ? endpoint.description : '' });
  const rateLimit = h('input', { type: 'number', name: 'rateLimit', min: '1', max: '10000', step: '1', value: endpoint && endpoint.rateLimit ? endpoint.rateLimit : '' });
  const ordering = select('ordering', ORDERINGS, endpoint && endpoint.ordering ? endpoint.ordering : 'NONE');
  const headers = h('textarea', { name: 'headers', rows: '3', spellcheck: 'false' });
  headers.value = endpoint ? headersText(endpoint.headers) : '';
  return {
    url,
    description,
    rateLimit,
    ordering,
    headers,
    nodes: [
      field('URL', url),
      field('Description', description, 'Optional, at most 255 characters.'),
      v3 ? h('p', { class: 'hint', text: 'The v3 URL receives every event.' }) : eventCheckboxes(events, endpoint ? endpoint.events : []),
      field('Rate limit (deliveries a second)', rateLimit, 'Empty for no limit of its own.'),
      // The v3 URL never orders (SPEC §15).
      v3
        ? null
        : field(
            'Ordering',
            ordering,
            'Keyed: events that share an ordering key are sent one at a time, in publish order, each once the one before succeeded or failed for good. A change applies to events published from then on; back to None sends what waits at once.',
          ),
      field('Custom headers', headers, 'One "Name: value" a line, at most 10. Credentials show as [redacted]; leave them so to keep them.'),
    ],
  };
}

function endpointBody(form, fields, v3) {
  const body = {
    url: fields.url.value.trim(),
    description: fields.description.value.trim() || null,
    rateLimit: fields.rateLimit.value === '' ? null : Number(fields.rateLimit.value),
    headers: parseHeaders(fields.headers.value),
  };
  if (!v3) {
    body.events = checkedEvents(form);
    body.ordering = fields.ordering.value;
  }
  return body;
}

/** The folded form that adds an endpoint: shows its secret in `notice`, then calls `refresh`. */
export function createEndpointForm(events, notice, refresh) {
  const fields = endpointFields(null, events, false);
  const status = h('div', { class: 'action-status' });
  const submit = h('button', { type: 'submit', text: 'Add endpoint' });
  const form = h('form', { class: 'stack', dataset: { form: 'create' } }, fields.nodes, h('div', { class: 'actions' }, submit), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction(submit, status, async () => {
      const body = endpointBody(form, fields, false);
      if (body.description === null) delete body.description;
      const answer = await api('POST', '/api/v3.20/webhooks', { body });
      replaceChildren(notice, secretOnce(answer.secret, `Endpoint ${answer.data.webhookId} added. Its signing secret:`));
      form.reset();
      form.closest('details').open = false;
      await refresh();
      notice.querySelector('button').focus();
      return null;
    });
  });
  return h('details', { class: 'panel create', dataset: { panel: 'create' } }, h('summary', { text: 'Add an endpoint' }), h('div', { class: 'panel-body' }, form));
}

/** The form that edits `endpoint`; `replace` gets the endpoint as saved. */
export function editForm(endpoint, events, v3, replace) {
  const fields = endpointFields(endpoint, events, v3);
  const status = h('div', { class: 'action-status' });
  const submit = h('button', { type: 'submit', text: 'Save changes' });
  const form = h('form', { class: 'stack' }, fields.nodes, h('div', { class: 'actions' }, submit), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction(submit, status, async () => {
      const answer = await api('PATCH', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}`, { body: endpointBody(form, fields, v3) });
      replace(answer.data);
      return null;
    });
  });
  return form;
}

/** The form that sends `endpoint` a test event and says how it answered. */
export function testForm(endpoint, events, v3) {
  // The v3 URL takes the events with a v3 name.
  const names = v3 ? events.filter((entry) => entry.v3Event).map((entry) => entry.event) : endpoint.events;
  const choices = Array.from(new Set(['WEBHOOK_TEST', ...names]));
  const eventSelect = select('event', choices.map((name) => [name, name]), 'WEBHOOK_TEST');
  const status = h('div', { class: 'action-status' });
  const submit = h('button', { type: 'submit', text: 'Send test' });
  const form = h('form', { class: 'inline-form' }, field('Event', eventSelect), submit, status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction(submit, status, async () => {
      const answer = await api('POST', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}/test`, { body: { event: eventSelect.value } });
      return `Delivered ${answer.data.event}: HTTP ${answer.data.httpStatus} in ${formatMs(answer.data.responseTime)} (event ${answer.data.eventId}).`;
    });
  });
  return form;
}

function toLocalInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

/** The form that queues again `endpoint`'s failed deliveries of a time window, from `start` (a timestamp) if given. */
export function recoverForm(endpoint, start) {
  // Else from when the endpoint began failing, when it is; else the last 24 hours.
  const first = start || endpoint.failingSince;
  const from = first ? new Date(first) : new Date(Date.now() - 24 * 3600 * 1000);
  const since = h('input', { type: 'datetime-local', name: 'since', required: true, value: toLocalInput(from) });
  const until = h('input', { type: 'datetime-local', name: 'until', value: '' });
  const status = h('div', { class: 'action-status' });
  const submit = h('button', { type: 'submit', text: 'Recover' });
  const form = h(
    'form',
    { class: 'inline-form' },
    h('p', { class: 'hint', text: 'Queues again every FAILED delivery of this endpoint created in the window (times in your browser\'s time zone).' }),
    field('From', since),
    field('Until', until, 'Empty means now.'),
    submit,
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction(submit, status, async () => {
      const body = { since: new Date(since.value).toISOString() };
      if (until.value) body.until = new Date(until.value).toISOString();
      const answer = await api('POST', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}/recover`, { body });
      const queued = `${answer.data.queued} failed ${answer.data.queued === 1 ? 'delivery' : 'deliveries'} queued again.`;
      return answer.data.hasMore ? `${queued} More remain in the window: recover again to queue the next ones.` : queued;
    });
  });
  return form;
}

/** The form that rotates `endpoint`'s secret, shows the new one once and updates `secretPrefix`. */
export function rotateForm(endpoint, secretPrefix) {
  const overlap = select('overlapSeconds', OVERLAPS, '0');
  const status = h('div', { class: 'action-status' });
  const shown = h('div', { class: 'secret-area' });
  const submit = h('button', { type: 'submit', text: 'Rotate secret' });
  const form = h(
    'form',
    { class: 'inline-form' },
    field('Keep the old secret valid for', overlap, 'During the overlap every delivery is signed with both secrets.'),
    submit,
    status,
    shown,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction(submit, status, async () => {
      shown.replaceChildren();
      const answer = await api('POST', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}/secret/rotate`, {
        body: { overlapSeconds: Number(overlap.value) },
      });
      if (answer.data && answer.data.secretPrefix) secretPrefix.textContent = `${answer.data.secretPrefix}…`;
      // An ED25519 endpoint answers a new public key (whpk_…) in place of a secret.
      shown.append(
        answer.publicKey
          ? secretOnce(answer.publicKey, 'The new public key (receivers also fetch it from the endpoint\'s publicKeysUrl):')
          : secretOnce(answer.secret, 'The new signing secret:'),
      );
      return null;
    });
  });
  return form;
}
