// Before and after auto-disable, on an endpoint's card (SPEC §14): the warning while every attempt fails, why a
// disabled endpoint is disabled, and the one step that enables it and queues again what failed.

import { api } from './api.js';
import { h, runAction, timeView } from './dom.js';
import { disabledReasonText, formatFromNow, formatTime } from './format.js';

/**
 * The banner of an endpoint that is failing or disabled, or `null` for a healthy one. An ACTIVE endpoint with
 * `failingSince` says since when and, with `disableAt` (v3.20 endpoints; the v3 URL is never disabled for failing),
 * the date hookd will disable it unless a delivery succeeds before. A DISABLED one says why.
 */
export function endpointStateBanner(endpoint) {
  if (endpoint.status === 'ACTIVE' && endpoint.failingSince) {
    return h(
      'div',
      { class: 'banner banner-warn failing-banner', role: 'note' },
      h('p', {}, h('strong', {}, 'Failing since ', timeView(endpoint.failingSince)), '. Every attempt since then has failed.'),
      endpoint.disableAt
        ? h(
            'p',
            { class: 'disable-date' },
            'It will be disabled on ',
            h('strong', {}, timeView(endpoint.disableAt)),
            ` (${formatFromNow(endpoint.disableAt)}) unless a delivery succeeds before then; once disabled, its new deliveries wait until it is enabled again.`,
          )
        : h('p', { class: 'disable-date', text: 'hookd keeps retrying; the v3 URL is never disabled for failing.' }),
    );
  }
  if (endpoint.status === 'DISABLED') {
    return h(
      'div',
      { class: 'banner banner-fail disabled-banner', role: 'note' },
      h('p', {}, h('strong', { class: 'disabled-reason', text: disabledReasonText(endpoint.disabledReason) })),
      h(
        'p',
        {},
        endpoint.failingSince ? ['Its deliveries had been failing since ', timeView(endpoint.failingSince), '. '] : null,
        'New deliveries wait, PENDING, and go out once it is enabled.',
        endpoint.failingSince ? ' Those that failed before can be delivered again in the same step.' : null,
      ),
    );
  }
  return null;
}

/**
 * The button beside the plain Enable of a DISABLED endpoint that was failing: enables it and queues again every
 * FAILED delivery since it began failing, in one call. `replace(endpoint, message, recoverFrom)` draws the card
 * anew with the outcome, and with its recover form starting at `recoverFrom` when more remain to queue (enabling
 * ends the run, so the endpoint no longer says since when); `null` when there is nothing to offer.
 */
export function enableAndRecoverButton(endpoint, status, replace) {
  if (endpoint.status !== 'DISABLED' || !endpoint.failingSince) return null;
  const button = h('button', {
    type: 'button',
    dataset: { action: 'enable-recover' },
    text: `Enable and deliver what failed since ${formatTime(endpoint.failingSince)}`,
  });
  button.addEventListener('click', () =>
    runAction(button, status, async () => {
      const answer = await api('POST', `/api/v3.20/webhooks/${encodeURIComponent(endpoint.webhookId)}/enable`, {
        body: { recoverFailed: true },
      });
      // Said since the failures began, as the button did; the window the server took starts a little earlier (its
      // retries reach back), which the recover form uses when more remain.
      replace(
        answer.data.webhook,
        recoveredText(answer.data, endpoint.failingSince),
        answer.data.hasMore ? answer.data.recoveredSince : null,
      );
      return null;
    }),
  );
  return button;
}

/** What the enable-and-recover call did, as a sentence. */
function recoveredText({ queued, hasMore }, failingSince) {
  const since = failingSince ? ` since ${formatTime(failingSince)}` : '';
  const count = queued === 0 ? `no failed delivery${since} to queue again` : `${queued} failed ${queued === 1 ? 'delivery' : 'deliveries'}${since} queued again`;
  const more = hasMore ? ' More remain: use "Recover failed deliveries" below to queue the next ones.' : '';
  return `Enabled; ${count}.${more}`;
}
