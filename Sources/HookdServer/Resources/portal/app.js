// The app's portal page: its endpoints with their health, the delivery log, one delivery's attempts, and the event
// catalogue. Views are chosen by the address's fragment (#/endpoints, #/deliveries?…, #/delivery/ID, #/events), so
// the browser's back button and links work; nothing secret is ever put in the address.

import {
  api,
  append,
  badge,
  chart,
  copyButton,
  errorView,
  field,
  formatMs,
  formatPercent,
  h,
  legend,
  replaceChildren,
  runAction,
  select,
  startPage,
  timeView,
  uniqueId,
  upperEventName,
} from './portal.js';

const OVERLAPS = [
  ['0', 'None: the old secret stops now'],
  ['3600', '1 hour'],
  ['86400', '24 hours'],
  ['604800', '7 days'],
];
const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const PAGE_SIZES = ['20', '50', '100'];

const state = {
  session: null,
  catalogue: null, // [{event, v3Event, description, origin}]: v3.20 names, and the v3 name where there is one
  endpoints: null, // the last list read
  generation: 0, // bumped on every navigation, so a slow answer never draws over a newer view
};

startPage('app', async (session, main) => {
  state.session = session;
  const identity = document.getElementById('identity');
  replaceChildren(
    identity,
    h('span', { class: 'identity-name', text: session.appName || session.appId }),
    h('code', { class: 'identity-id', text: session.appId }),
    session.environment ? badge(session.environment) : null,
    session.appType ? h('span', { class: 'muted', text: session.appType }) : null,
  );
  window.addEventListener('hashchange', () => route(main));
  await route(main);
});

// ---- Routing -------------------------------------------------------------------------------------------------

function parseRoute() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path, queryString] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(queryString || '');
  if (parts[0] === 'delivery' && parts[1]) return { view: 'delivery', id: decodeURIComponent(parts[1]), params };
  if (['endpoints', 'deliveries', 'events'].includes(parts[0])) return { view: parts[0], params };
  return { view: 'endpoints', params };
}

function deliveriesHash(filters) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  const query = params.toString();
  return `#/deliveries${query ? `?${query}` : ''}`;
}

async function route(main) {
  state.generation += 1;
  const generation = state.generation;
  const current = parseRoute();
  const tab = current.view === 'delivery' ? 'deliveries' : current.view;
  for (const link of document.querySelectorAll('#tabs a')) {
    if (link.dataset.view === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = h('div', { class: 'view', dataset: { view: current.view } });
  replaceChildren(main, view);
  const stillCurrent = () => generation === state.generation;
  try {
    if (current.view === 'endpoints') await endpointsView(view, stillCurrent);
    else if (current.view === 'deliveries') await deliveriesView(view, current.params, stillCurrent);
    else if (current.view === 'delivery') await deliveryView(view, current.id, stillCurrent);
    else await eventsView(view, stillCurrent);
  } catch (error) {
    if (stillCurrent()) view.append(errorView(error));
  }
  const heading = view.querySelector('h1');
  if (heading && stillCurrent() && document.activeElement === document.body) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

async function catalogue() {
  if (!state.catalogue) state.catalogue = (await api('GET', '/api/v3.20/webhooks/events')).data.events;
  return state.catalogue;
}

async function loadEndpoints() {
  const list = await api('GET', '/api/v3.20/webhooks', { query: { limit: 100 } });
  state.endpoints = list.data;
  return list;
}

/** The app's v3 URL is listed among the endpoints (`format: "V3"`); it takes every event and cannot be deleted there. */
function isV3Endpoint(endpoint) {
  return endpoint.format === 'V3';
}

// ---- Endpoints -----------------------------------------------------------------------------------------------

async function endpointsView(view, stillCurrent) {
  const notice = h('div', { class: 'notice-area', id: 'endpoint-notice' });
  const list = h('div', { class: 'endpoint-list', id: 'endpoint-list' }, h('p', { class: 'muted', text: 'Loading endpoints…' }));
  view.append(
    h('div', { class: 'view-head' }, h('h1', { text: 'Endpoints' })),
    h('p', { class: 'lead', text: 'Where your deliveries go, how healthy each endpoint has been over the last 24 hours, and what you can do with it.' }),
    notice,
    list,
  );
  const [events, page] = await Promise.all([catalogue(), loadEndpoints()]);
  if (!stillCurrent()) return;
  const create = createEndpointForm(events, notice, () => drawEndpointList(list, notice, events));
  // With no endpoint yet, adding one is the useful thing to do here: the form starts open.
  create.open = page.data.length === 0;
  view.append(create);
  drawEndpointList(list, notice, events, page);
}

async function drawEndpointList(list, notice, events, page) {
  if (!page) page = await loadEndpoints();
  if (!page.data.length) {
    replaceChildren(
      list,
      h('div', { class: 'card empty' }, h('p', { text: 'No endpoints yet. Add one below, or set your v3 webhook URL through the API (PUT /api/v3/webhooks).' })),
    );
    return;
  }
  const total = page.pagination ? page.pagination.total : page.data.length;
  replaceChildren(
    list,
    page.data.map((endpoint) => endpointCard(endpoint, events, notice)),
    total > page.data.length ? h('p', { class: 'muted', text: `Showing the first ${page.data.length} of ${total} endpoints.` }) : null,
  );
}

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

function endpointCard(endpoint, events, notice) {
  const v3 = isV3Endpoint(endpoint);
  const card = h('article', { class: 'card endpoint', dataset: { webhookId: endpoint.webhookId } });
  const titleId = uniqueId('endpoint');
  const statusBadges = [badge(endpoint.status)];
  if (endpoint.disabledReason) statusBadges.push(badge(endpoint.disabledReason, 'reason'));
  if (v3) statusBadges.push(badge('v3 URL', 'v3'));
  const secretPrefix = h('code', { class: 'secret-prefix', text: endpoint.secretPrefix ? `${endpoint.secretPrefix}…` : '—' });
  const headerNames = Object.keys(endpoint.headers || {});
  card.setAttribute('aria-labelledby', titleId);
  append(
    card,
    h(
      'header',
      { class: 'endpoint-head' },
      h('h2', { id: titleId, class: 'endpoint-title' }, endpoint.description ? endpoint.description : h('code', { text: endpoint.url })),
      h('span', { class: 'badges' }, statusBadges),
    ),
    endpoint.description ? h('p', { class: 'endpoint-url' }, h('code', { text: endpoint.url })) : null,
    h(
      'p',
      { class: 'events-line' },
      h('span', { class: 'muted', text: 'Events: ' }),
      v3 ? h('span', { text: 'every event (the v3 format)' }) : endpoint.events.map((name) => h('span', { class: 'chip', text: name })),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Id', h('code', { text: endpoint.webhookId })),
      fact('Secret', secretPrefix),
      fact('Deliveries', `${endpoint.totalDeliveries} (${endpoint.totalFailures} failed)`),
      fact('Failing in a row', String(endpoint.failureCount)),
      fact('Last delivery', endpoint.lastDeliveryAt ? [timeView(endpoint.lastDeliveryAt), ' ', endpoint.lastDeliveryStatus ? badge(endpoint.lastDeliveryStatus) : null] : '—'),
      fact('Rate limit', endpoint.rateLimit ? `${endpoint.rateLimit} / s` : 'none'),
      fact('Custom headers', headerNames.length ? headerNames.join(', ') : 'none'),
    ),
    healthCard(endpoint),
  );

  const actionStatus = h('div', { class: 'action-status' });
  const toggle = h('button', {
    type: 'button',
    class: endpoint.status === 'ACTIVE' ? 'secondary' : '',
    dataset: { action: 'toggle' },
    text: endpoint.status === 'ACTIVE' ? 'Disable' : 'Enable',
  });
  toggle.addEventListener('click', () =>
    runAction(toggle, actionStatus, async () => {
      const answer = await api('PATCH', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}`, {
        body: { enabled: endpoint.status !== 'ACTIVE' },
      });
      card.replaceWith(endpointCard(answer.data, events, notice));
      return null;
    }),
  );
  const actions = h(
    'div',
    { class: 'actions' },
    toggle,
    h('a', { class: 'button-link secondary', href: deliveriesHash({ webhookId: endpoint.webhookId }), text: 'Deliveries' }),
  );
  if (!v3) actions.append(deleteControl(endpoint, card, actionStatus));
  card.append(actions, actionStatus);

  card.append(
    panel('Edit', 'edit', editForm(endpoint, events, v3, (updated) => card.replaceWith(endpointCard(updated, events, notice)))),
    panel('Send a test', 'test', testForm(endpoint, events, v3)),
    panel('Recover failed deliveries', 'recover', recoverForm(endpoint)),
    panel('Rotate secret', 'rotate', rotateForm(endpoint, secretPrefix)),
  );
  return card;
}

function fact(term, value) {
  return h('div', {}, h('dt', { text: term }), h('dd', {}, value));
}

/** A disclosure (`<details>`), keyboard-usable as it is. */
function panel(title, name, body) {
  return h('details', { class: 'panel', dataset: { panel: name } }, h('summary', { text: title }), h('div', { class: 'panel-body' }, body));
}

function deleteControl(endpoint, card, status) {
  const wrapper = h('span', { class: 'delete-control' });
  const ask = h('button', { type: 'button', class: 'danger-outline', text: 'Delete…' });
  const confirm = h('button', { type: 'button', class: 'danger', text: 'Delete this endpoint' });
  const cancel = h('button', { type: 'button', class: 'secondary', text: 'Keep it' });
  const confirmation = h('span', { class: 'confirm', hidden: true }, h('span', { text: 'Its pending deliveries are cancelled. ' }), confirm, cancel);
  ask.addEventListener('click', () => {
    ask.hidden = true;
    confirmation.hidden = false;
    cancel.focus();
  });
  cancel.addEventListener('click', () => {
    confirmation.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  confirm.addEventListener('click', () =>
    runAction(confirm, status, async () => {
      await api('DELETE', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}`);
      card.replaceWith(h('p', { class: 'ok', role: 'status', text: `Endpoint ${endpoint.webhookId} deleted.` }));
      return null;
    }),
  );
  wrapper.append(ask, confirmation);
  return wrapper;
}

/** Success rate and latency p50/p95 per hour over the last 24 hours, from the endpoint's stats. */
function healthCard(endpoint) {
  const body = h('div', { class: 'health-body' }, h('p', { class: 'muted', text: 'Loading health…' }));
  const section = h('section', { class: 'health', 'aria-label': 'Health over the last 24 hours' }, h('h3', { text: 'Last 24 hours' }), body);
  api('GET', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}/stats`, { query: { hours: 24 } })
    .then((answer) => replaceChildren(body, healthFigures(answer.data.hours)))
    .catch((error) => replaceChildren(body, errorView(error)));
  return section;
}

function healthFigures(hours) {
  const succeeded = hours.reduce((sum, hour) => sum + hour.succeeded, 0);
  const failed = hours.reduce((sum, hour) => sum + hour.failed, 0);
  const attempts = succeeded + failed;
  const withLatency = hours.filter((hour) => hour.latencyP50 !== null && hour.latencyP50 !== undefined);
  const latest = withLatency[withLatency.length - 1];
  const worstP95 = Math.max(0, ...hours.map((hour) => hour.latencyP95 || 0));
  const rateSeries = [
    { values: hours.map((hour) => hour.succeeded), className: 'series-ok', label: 'succeeded' },
    { values: hours.map((hour) => hour.failed), className: 'series-fail', label: 'failed' },
  ];
  const latencySeries = [
    { values: hours.map((hour) => hour.latencyP50 ?? null), className: 'series-p50', label: 'p50' },
    { values: hours.map((hour) => hour.latencyP95 ?? null), className: 'series-p95', label: 'p95' },
  ];
  const rate = attempts ? succeeded / attempts : null;
  return [
    h(
      'div',
      { class: 'health-grid' },
      h(
        'figure',
        { class: 'metric' },
        h('figcaption', {}, h('span', { class: 'metric-label', text: 'Success rate' }), h('span', { class: 'metric-value', dataset: { metric: 'success-rate' }, text: formatPercent(rate) }), h('span', { class: 'muted', text: ` ${attempts} attempts` })),
        chart({ kind: 'bars', series: rateSeries, label: `Attempts per hour: ${succeeded} succeeded, ${failed} failed in 24 hours` }),
        legend(rateSeries),
      ),
      h(
        'figure',
        { class: 'metric' },
        h(
          'figcaption',
          {},
          h('span', { class: 'metric-label', text: 'Latency' }),
          h('span', { class: 'metric-value', dataset: { metric: 'latency' }, text: latest ? `p50 ${formatMs(latest.latencyP50)} · p95 ${formatMs(latest.latencyP95)}` : '—' }),
          h('span', { class: 'muted', text: latest ? ' latest hour with attempts' : ' no attempts' }),
        ),
        chart({ kind: 'lines', series: latencySeries, label: `Latency per hour, p50 and p95; highest hourly p95 ${formatMs(worstP95)}` }),
        legend(latencySeries),
      ),
    ),
  ];
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
  const headers = h('textarea', { name: 'headers', rows: '3', spellcheck: 'false' });
  headers.value = endpoint ? headersText(endpoint.headers) : '';
  return {
    url,
    description,
    rateLimit,
    headers,
    nodes: [
      field('URL', url),
      field('Description', description, 'Optional, at most 255 characters.'),
      v3 ? h('p', { class: 'hint', text: 'The v3 URL receives every event.' }) : eventCheckboxes(events, endpoint ? endpoint.events : []),
      field('Rate limit (deliveries a second)', rateLimit, 'Empty for no limit of its own.'),
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
  if (!v3) body.events = checkedEvents(form);
  return body;
}

function createEndpointForm(events, notice, refresh) {
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

function editForm(endpoint, events, v3, replace) {
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

function testForm(endpoint, events, v3) {
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

function recoverForm(endpoint) {
  const now = new Date();
  const since = h('input', { type: 'datetime-local', name: 'since', required: true, value: toLocalInput(new Date(now.getTime() - 24 * 3600 * 1000)) });
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

function rotateForm(endpoint, secretPrefix) {
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
      shown.append(secretOnce(answer.secret, 'The new signing secret:'));
      return null;
    });
  });
  return form;
}

// ---- Deliveries ----------------------------------------------------------------------------------------------

async function deliveriesView(view, params, stillCurrent) {
  const filters = {
    status: params.get('status') || '',
    event: params.get('event') || '',
    webhookId: params.get('webhookId') || '',
    eventId: params.get('eventId') || '',
    limit: PAGE_SIZES.includes(params.get('limit')) ? params.get('limit') : '20',
    // Older pages go by the cursor the API handed out (deep offsets are refused); `from` is only what the pager
    // shows: how many newer deliveries came before this page.
    cursor: params.get('cursor') || '',
    from: String(Math.max(0, Number.parseInt(params.get('from') || '0', 10) || 0)),
  };
  const results = h('div', { class: 'results', id: 'delivery-results' }, h('p', { class: 'muted', text: 'Loading deliveries…' }));
  view.append(h('div', { class: 'view-head' }, h('h1', { text: 'Deliveries' })));
  const [events] = await Promise.all([catalogue(), state.endpoints ? null : loadEndpoints()]);
  if (!stillCurrent()) return;
  view.append(filterForm(filters, events), results);
  const { from, ...query } = filters;
  const answer = await api('GET', '/api/v3/webhooks/deliveries', { query });
  if (!stillCurrent()) return;
  replaceChildren(results, deliveryTable(answer.data), pager(filters, answer.pagination, answer.data.length));
}

function filterForm(filters, events) {
  const status = select('status', [['', 'Any status'], ...DELIVERY_STATUSES.map((s) => [s, s])], filters.status);
  const event = select('event', [['', 'Any event'], ...events.map((e) => [e.event, e.event])], filters.event);
  const endpoint = select(
    'webhookId',
    [['', 'Any endpoint'], ...(state.endpoints || []).map((e) => [e.webhookId, `${e.description || e.url} (${e.webhookId})`])],
    filters.webhookId,
  );
  if (filters.webhookId && !(state.endpoints || []).some((e) => e.webhookId === filters.webhookId)) {
    endpoint.append(h('option', { value: filters.webhookId, text: filters.webhookId, selected: true }));
  }
  const eventId = h('input', { type: 'search', name: 'eventId', value: filters.eventId, placeholder: 'eventId', autocomplete: 'off', spellcheck: 'false' });
  const limit = select('limit', PAGE_SIZES.map((n) => [n, `${n} a page`]), filters.limit);
  const form = h(
    'form',
    { class: 'filters', role: 'search', dataset: { form: 'filters' } },
    field('Status', status),
    field('Event', event),
    field('Endpoint', endpoint),
    field('Event id', eventId),
    field('Page size', limit),
    h('div', { class: 'filter-buttons' }, h('button', { type: 'submit', text: 'Apply' }), h('a', { class: 'button-link secondary', href: '#/deliveries', text: 'Clear' })),
  );
  form.addEventListener('submit', (submitEvent) => {
    submitEvent.preventDefault();
    window.location.hash = deliveriesHash({
      status: status.value,
      event: event.value,
      webhookId: endpoint.value,
      eventId: eventId.value.trim(),
      limit: limit.value === '20' ? '' : limit.value,
    });
  });
  // On a phone the filters would fill the first screen: they start folded there unless one is in use.
  const active = ['status', 'event', 'webhookId', 'eventId'].filter((name) => filters[name]).length;
  const wide = window.matchMedia('(min-width: 40rem)').matches;
  return h(
    'details',
    { class: 'filter-panel', open: wide || active > 0 },
    h('summary', { text: active ? `Filters (${active} in use)` : 'Filters' }),
    form,
  );
}

function endpointLabel(webhookId) {
  const endpoint = (state.endpoints || []).find((e) => e.webhookId === webhookId);
  return endpoint ? endpoint.description || endpoint.url : webhookId || '—';
}

function deliveryHref(deliveryId) {
  return `#/delivery/${encodeURIComponent(deliveryId)}`;
}

function deliveryTable(deliveries) {
  if (!deliveries.length) return h('div', { class: 'card empty' }, h('p', { text: 'No deliveries match.' }));
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'deliveries stack-on-phone' },
      h('caption', { class: 'visually-hidden', text: 'Deliveries, newest first' }),
      h('thead', {}, h('tr', {}, ['Created', 'Event and delivery', 'Endpoint', 'Status', 'Attempts', 'Last HTTP'].map((name) => h('th', { scope: 'col', text: name })))),
      h(
        'tbody',
        {},
        deliveries.map((delivery) =>
          h(
            'tr',
            { dataset: { deliveryId: delivery.deliveryId } },
            h('td', { dataset: { label: 'Created' } }, timeView(delivery.createdAt)),
            h(
              'td',
              { dataset: { label: 'Event' } },
              h('a', { href: deliveryHref(delivery.deliveryId), class: 'delivery-link' }, h('span', { class: 'event-name', text: delivery.event }), h('code', { class: 'delivery-id', text: delivery.deliveryId })),
              delivery.isTest ? [' ', badge('test')] : null,
            ),
            h('td', { dataset: { label: 'Endpoint' }, class: 'cell-endpoint', text: endpointLabel(delivery.webhookId) }),
            h('td', { dataset: { label: 'Status' } }, badge(delivery.status)),
            h('td', { dataset: { label: 'Attempts' }, class: 'num', text: String(delivery.attempts) }),
            h('td', { dataset: { label: 'Last HTTP' }, class: 'num', text: delivery.lastHttpStatus ?? '—' }),
          ),
        ),
      ),
    ),
  );
}

/**
 * Newest and older pages: the first page counts the log (up to 10,000: more says "10000+"), the next ones follow
 * `nextCursor`; the browser's back button returns to newer pages.
 */
function pager(filters, pagination, count) {
  if (!pagination || pagination.total === 0 || count === 0) return null;
  const { total, limit, hasMore, nextCursor } = pagination;
  const before = Number(filters.from) || 0;
  const shownTotal = total === null ? null : total >= 10000 ? '10000+' : String(total);
  const base = { ...filters, limit: filters.limit === '20' ? '' : filters.limit, cursor: '', from: '' };
  const newest = filters.cursor ? h('a', { class: 'button-link secondary', rel: 'first', href: deliveriesHash(base), text: '← Newest' }) : null;
  const next = hasMore && nextCursor
    ? h('a', { class: 'button-link secondary', rel: 'next', href: deliveriesHash({ ...base, cursor: nextCursor, from: String(before + limit) }), text: 'Older →' })
    : null;
  const range = `${before + 1}–${before + count}`;
  return h('nav', { class: 'pager', 'aria-label': 'Pages' }, newest, h('span', { class: 'pager-text', text: shownTotal === null ? range : `${range} of ${shownTotal}` }), next);
}

// ---- One delivery --------------------------------------------------------------------------------------------

async function deliveryView(view, deliveryId, stillCurrent) {
  const body = h('div', { class: 'delivery-body' }, h('p', { class: 'muted', text: 'Loading the delivery…' }));
  const status = h('div', { class: 'action-status', id: 'retry-status' });
  const retry = h('button', { type: 'button', id: 'retry', text: 'Retry now' });
  const refresh = h('button', { type: 'button', class: 'secondary', id: 'refresh', text: 'Refresh' });
  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/deliveries', text: '← All deliveries' })),
    h('div', { class: 'view-head' }, h('h1', {}, 'Delivery ', h('code', { text: deliveryId })), h('div', { class: 'actions' }, retry, refresh)),
    status,
    body,
  );
  const path = `/api/v3/webhooks/deliveries/${encodeURIComponent(deliveryId)}`;
  if (!state.endpoints) await loadEndpoints().catch(() => null); // only for naming the endpoint
  const draw = async () => {
    const answer = await api('GET', path);
    if (stillCurrent()) replaceChildren(body, deliveryDetail(answer.data));
    return answer.data;
  };
  let shown = await draw();
  refresh.addEventListener('click', () =>
    runAction(refresh, status, async () => {
      shown = await draw();
      return null;
    }),
  );
  retry.addEventListener('click', () =>
    runAction(retry, status, async () => {
      const before = shown.attemptHistory.length;
      await api('POST', `${path}/retry`);
      status.replaceChildren(h('p', { class: 'muted', role: 'status', text: 'Queued for retry; waiting for the attempt…' }));
      // The dispatcher makes the attempt; look again every second for a while, until it shows.
      for (let tries = 0; tries < 30 && stillCurrent(); tries += 1) {
        await new Promise((resolve) => window.setTimeout(resolve, 1000));
        shown = await draw();
        if (shown.attemptHistory.length > before) return `Attempt ${shown.attemptHistory.length} made: ${shown.status}.`;
      }
      return 'Queued for retry. The attempt has not been made yet; refresh later.';
    }),
  );
}

function deliveryDetail(delivery) {
  const attempts = delivery.attemptHistory || [];
  return [
    h(
      'dl',
      { class: 'facts card' },
      fact('Status', badge(delivery.status)),
      fact('Event', [delivery.event, delivery.isTest ? [' ', badge('test')] : null]),
      fact('Event id', h('code', { text: delivery.eventId })),
      fact('Endpoint', endpointFact(delivery.webhookId)),
      fact('Created', timeView(delivery.createdAt)),
      fact('Attempts', String(delivery.attempts)),
      fact('Last attempt', timeView(delivery.lastAttemptAt)),
      fact('Next attempt', timeView(delivery.nextAttemptAt)),
    ),
    h('h2', { text: 'Payload' }),
    h('pre', { class: 'code payload' }, h('code', { text: JSON.stringify(delivery.data, null, 2) })),
    h('h2', { text: `Attempts (${attempts.length})` }),
    attempts.length
      ? h('ol', { class: 'attempts', reversed: true }, attempts.slice().reverse().map(attemptView))
      : h('p', { class: 'muted', text: 'No attempt yet.' }),
  ];
}

function endpointFact(webhookId) {
  if (!webhookId) return '—';
  const label = endpointLabel(webhookId);
  return label === webhookId ? h('code', { text: webhookId }) : [label, ' ', h('code', { class: 'muted', text: `(${webhookId})` })];
}

function attemptView(attempt) {
  const ok = attempt.httpStatus !== null && attempt.httpStatus >= 200 && attempt.httpStatus < 300 && !attempt.error;
  const requestHeaders = attempt.requestHeaders;
  return h(
    'li',
    { class: `card attempt ${ok ? 'attempt-ok' : 'attempt-fail'}`, dataset: { attempt: attempt.attempt } },
    h(
      'div',
      { class: 'attempt-head' },
      h('strong', { text: `Attempt ${attempt.attempt}` }),
      timeView(attempt.attemptedAt),
      badge(attempt.httpStatus !== null ? `HTTP ${attempt.httpStatus}` : 'no answer', ok ? 'succeeded' : 'failed'),
      h('span', { class: 'latency', text: formatMs(attempt.responseTime) }),
    ),
    attempt.error ? h('p', { class: 'attempt-error' }, h('span', { class: 'muted', text: 'Error: ' }), h('span', { text: attempt.error })) : null,
    requestHeaders && Object.keys(requestHeaders).length ? headersDetails('Headers sent', requestHeaders) : null,
    h(
      'details',
      { class: 'response', open: Boolean(attempt.responseBody) && !ok },
      h('summary', { text: attempt.responseBody ? 'Response (first 2 KiB)' : 'Response: empty' }),
      h('pre', { class: 'code' }, h('code', { text: attempt.responseBody || '' })),
    ),
  );
}

function headersDetails(title, headers) {
  const entries = Array.isArray(headers)
    ? headers.map((entry) => (Array.isArray(entry) ? entry : [entry.name, entry.value]))
    : Object.entries(headers);
  return h(
    'details',
    { class: 'request-headers' },
    h('summary', { text: `${title} (${entries.length})` }),
    h('dl', { class: 'header-list' }, entries.map(([name, value]) => h('div', {}, h('dt', { text: name }), h('dd', {}, h('code', { text: value }))))),
  );
}

// ---- Events --------------------------------------------------------------------------------------------------

async function eventsView(view, stillCurrent) {
  view.append(
    h('div', { class: 'view-head' }, h('h1', { text: 'Events' })),
    h('p', { class: 'lead', text: 'The events your app can receive. v3.20 endpoints subscribe to and receive the v3.20 name; the v3 URL receives the v3 name, and only the events that have one.' }),
  );
  const events = await catalogue();
  if (!stillCurrent()) return;
  view.append(
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'events stack-on-phone' },
        h('caption', { class: 'visually-hidden', text: 'Event catalogue' }),
        h('thead', {}, h('tr', {}, ['v3.20 name', 'v3 name', 'Description', ''].map((name) => h('th', { scope: 'col', text: name })))),
        h(
          'tbody',
          {},
          events.map((entry) =>
            h(
              'tr',
              {},
              h('td', { dataset: { label: 'v3.20 name' } }, h('code', { text: entry.event })),
              h('td', { dataset: { label: 'v3 name' } }, entry.v3Event ? h('code', { text: entry.v3Event }) : 'none'),
              h('td', { dataset: { label: 'Description' }, text: entry.description }),
              h('td', { dataset: { label: '' } }, h('a', { href: deliveriesHash({ event: entry.event }), text: 'Deliveries' })),
            ),
          ),
        ),
      ),
    ),
  );
}
