// The app page's Endpoints view: a card per endpoint with its facts, health and actions, and the form that adds one.

import { api } from './api.js';
import { catalogue, loadEndpoints } from './app-data.js';
import { deliveriesHash } from './app-deliveries.js';
import { createEndpointForm, editForm, recoverForm, rotateForm, testForm } from './app-endpoint-forms.js';
import { enableAndRecoverButton, endpointStateBanner } from './app-endpoint-failing.js';
import { healthCard } from './app-endpoint-health.js';
import { append, badge, fact, h, replaceChildren, runAction, successView, timeView, uniqueId } from './dom.js';

/** The app's v3 URL is listed among the endpoints (`format: "V3"`); it takes every event and cannot be deleted there. */
function isV3Endpoint(endpoint) {
  return endpoint.format === 'V3';
}

/** Draws the Endpoints view into `view`; `stillCurrent()` says whether the address still shows it. */
export async function endpointsView(view, stillCurrent) {
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

/**
 * An endpoint's card; `message` (the outcome of the action that drew it anew) is shown by its actions, and
 * `recoverFrom` (a timestamp) starts its recover form's window.
 */
function endpointCard(endpoint, events, notice, message, recoverFrom) {
  const v3 = isV3Endpoint(endpoint);
  const card = h('article', { class: 'card endpoint', dataset: { webhookId: endpoint.webhookId, status: endpoint.status } });
  const redraw = (updated, outcome, from) => {
    const next = endpointCard(updated, events, notice, outcome, from);
    card.replaceWith(next);
    next.querySelector('button[data-action="toggle"]').focus({ preventScroll: true });
  };
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
    endpointStateBanner(endpoint),
    h(
      'dl',
      { class: 'facts' },
      fact('Id', h('code', { text: endpoint.webhookId })),
      fact('Secret', secretPrefix),
      fact('Deliveries', `${endpoint.totalDeliveries} (${endpoint.totalFailures} failed)`),
      fact('Failing in a row', String(endpoint.failureCount)),
      fact('Last delivery', endpoint.lastDeliveryAt ? [timeView(endpoint.lastDeliveryAt), ' ', endpoint.lastDeliveryStatus ? badge(endpoint.lastDeliveryStatus) : null] : '—'),
      fact('Rate limit', endpoint.rateLimit ? `${endpoint.rateLimit} / s` : 'none'),
      fact('Ordering', h('span', { dataset: { ordering: endpoint.ordering || 'NONE' }, text: endpoint.ordering === 'KEYED' ? 'keyed by ordering key' : 'none' })),
      fact('Custom headers', headerNames.length ? headerNames.join(', ') : 'none'),
    ),
    healthCard(endpoint),
  );

  const actionStatus = h('div', { class: 'action-status' }, message ? successView(message) : null);
  const toggle = h('button', {
    type: 'button',
    // Beside "Enable and deliver what failed", which is what a failing endpoint usually needs, this one is secondary.
    class: endpoint.status === 'ACTIVE' || endpoint.failingSince ? 'secondary' : '',
    dataset: { action: 'toggle' },
    text: endpoint.status === 'ACTIVE' ? 'Disable' : 'Enable',
  });
  toggle.addEventListener('click', () =>
    runAction(toggle, actionStatus, async () => {
      const answer = await api('PATCH', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}`, {
        body: { enabled: endpoint.status !== 'ACTIVE' },
      });
      redraw(answer.data);
      return null;
    }),
  );
  const actions = h(
    'div',
    { class: 'actions' },
    toggle,
    enableAndRecoverButton(endpoint, actionStatus, redraw),
    h('a', { class: 'button-link secondary', href: deliveriesHash({ webhookId: endpoint.webhookId }), text: 'Deliveries' }),
  );
  if (!v3) actions.append(deleteControl(endpoint, card, actionStatus));
  card.append(actions, actionStatus);

  card.append(
    panel('Edit', 'edit', editForm(endpoint, events, v3, (updated) => redraw(updated))),
    panel('Send a test', 'test', testForm(endpoint, events, v3)),
    panel('Recover failed deliveries', 'recover', recoverForm(endpoint, recoverFrom)),
    panel('Rotate secret', 'rotate', rotateForm(endpoint, secretPrefix)),
  );
  return card;
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
