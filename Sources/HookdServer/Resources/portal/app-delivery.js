// The app page's view of one delivery: its facts, payload and attempts, with retry and refresh.

import { api } from './api.js';
import { endpointLabel, knownEndpoints, loadEndpoints } from './app-data.js';
import { badge, fact, h, replaceChildren, runAction, timeView } from './dom.js';
import { formatMs, keyWaitText } from './format.js';

/** Draws one delivery into `view`, with buttons to retry it now and to read it again. */
export async function deliveryView(view, deliveryId, stillCurrent) {
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
  if (!knownEndpoints()) await loadEndpoints().catch(() => null); // only for naming the endpoint
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
        // A keyed delivery went back into its key's line; behind an earlier event still unsettled, it waits. (The
        // retry's own answer is not asked: it may be written before the line lets the delivery go.)
        const waiting = keyWaitText(shown);
        if (waiting) return `Queued for retry, ${waiting}: it is sent once that one has settled.`;
      }
      return 'Queued for retry. The attempt has not been made yet; refresh later.';
    }),
  );
}

function deliveryDetail(delivery) {
  const attempts = delivery.attemptHistory || [];
  const waiting = keyWaitText(delivery);
  return [
    h(
      'dl',
      { class: 'facts card' },
      fact('Status', badge(delivery.status)),
      fact('Event', [delivery.event, delivery.isTest ? [' ', badge('test')] : null]),
      fact('Event id', h('code', { text: delivery.eventId })),
      fact('Endpoint', endpointFact(delivery.webhookId)),
      delivery.orderingKey ? fact('Ordering key', h('code', { class: 'ordering-key', text: delivery.orderingKey })) : null,
      fact('Created', timeView(delivery.createdAt)),
      fact('Attempts', String(delivery.attempts)),
      fact('Last attempt', timeView(delivery.lastAttemptAt)),
      fact('Next attempt', waiting ? h('span', { class: 'key-wait', text: waiting }) : timeView(delivery.nextAttemptAt)),
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
