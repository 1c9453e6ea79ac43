// The app page's Deliveries view: the delivery log with its filters and pages.

import { api } from './api.js';
import { catalogue, endpointLabel, knownEndpoints, loadEndpoints } from './app-data.js';
import { badge, field, h, replaceChildren, select, timeView } from './dom.js';
import { keyWaitText } from './format.js';

const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const PAGE_SIZES = ['20', '50', '100'];

/** The address of the delivery log with `filters` (empty ones left out). */
export function deliveriesHash(filters) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  const query = params.toString();
  return `#/deliveries${query ? `?${query}` : ''}`;
}

/** Draws the delivery log into `view`, filtered and paged by the address's `params`. */
export async function deliveriesView(view, params, stillCurrent) {
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
  const [events] = await Promise.all([catalogue(), knownEndpoints() ? null : loadEndpoints()]);
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
    [['', 'Any endpoint'], ...(knownEndpoints() || []).map((e) => [e.webhookId, `${e.description || e.url} (${e.webhookId})`])],
    filters.webhookId,
  );
  if (filters.webhookId && !(knownEndpoints() || []).some((e) => e.webhookId === filters.webhookId)) {
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
              // One element in the cell, so that on a phone (a grid of label and value) it stays beside its label.
              h(
                'div',
                { class: 'event-cell' },
                h('a', { href: deliveryHref(delivery.deliveryId), class: 'delivery-link' }, h('span', { class: 'event-name', text: delivery.event }), h('code', { class: 'delivery-id', text: delivery.deliveryId })),
                delivery.isTest ? [' ', badge('test')] : null,
                delivery.orderingKey ? orderingKeyLine(delivery.orderingKey) : null,
              ),
            ),
            h('td', { dataset: { label: 'Endpoint' }, class: 'cell-endpoint', text: endpointLabel(delivery.webhookId) }),
            h('td', { dataset: { label: 'Status' } }, statusView(delivery)),
            h('td', { dataset: { label: 'Attempts' }, class: 'num', text: String(delivery.attempts) }),
            h('td', { dataset: { label: 'Last HTTP' }, class: 'num', text: delivery.lastHttpStatus ?? '—' }),
          ),
        ),
      ),
    ),
  );
}

/** A keyed delivery's ordering key, under its event. */
function orderingKeyLine(key) {
  return h('span', { class: 'ordering-key' }, h('span', { class: 'muted', text: 'key ' }), h('code', { text: key }));
}

/** The status badge, and for a keyed delivery waiting behind an earlier event of its key, what it waits for. */
function statusView(delivery) {
  const waiting = keyWaitText(delivery);
  if (!waiting) return badge(delivery.status);
  return h('span', { class: 'status-stack' }, badge(delivery.status), h('span', { class: 'key-wait', text: waiting }));
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
