// The operator's portal page: every app with its status and queue depth (suspend, activate), the service's
// deliveries per second and failures over the last hour and the last day, and the endpoints failing across apps.

import { api } from './api.js';
import { chart, legend } from './charts.js';
import { badge, errorView, h, replaceChildren, runAction, timeView } from './dom.js';
import { disabledReasonText, formatClock, formatFromNow, formatRate } from './format.js';
import { startPage } from './portal.js';

startPage('operator', async (session, main) => {
  const apps = h('div', { id: 'apps' }, h('p', { class: 'muted', text: 'Loading apps…' }));
  const failing = h('div', { id: 'failing' }, h('p', { class: 'muted', text: 'Loading failing endpoints…' }));
  const hour = h('div', { class: 'activity', id: 'activity-hour' });
  const day = h('div', { class: 'activity', id: 'activity-day' });
  const refreshStatus = h('div', { class: 'action-status' });
  const refresh = h('button', { type: 'button', class: 'secondary', id: 'refresh', text: 'Refresh' });
  const heading = h('h1', { text: 'Operator', tabindex: '-1' });
  replaceChildren(
    main,
    h('div', { class: 'view-head' }, heading, h('div', { class: 'actions' }, refresh)),
    refreshStatus,
    h('section', { class: 'card', 'aria-labelledby': 'activity-title' }, h('h2', { id: 'activity-title', text: 'Deliveries' }), h('div', { class: 'activity-grid' }, hour, day)),
    h(
      'section',
      { 'aria-labelledby': 'failing-title' },
      h('h2', { id: 'failing-title', text: 'Failing endpoints' }),
      h('p', { class: 'lead', text: 'Endpoints of every app whose attempts all fail, oldest first, and those hookd disabled for failing or for a 410.' }),
      failing,
    ),
    h('section', { 'aria-labelledby': 'apps-title' }, h('h2', { id: 'apps-title', text: 'Apps' }), apps),
  );
  const load = () =>
    Promise.all([
      drawApps(apps),
      drawFailing(failing),
      drawActivity(hour, 'hour', 'Last hour'),
      drawActivity(day, 'day', 'Last day'),
    ]);
  refresh.addEventListener('click', () => runAction(refresh, refreshStatus, async () => { await load(); return null; }));
  await load();
  heading.focus({ preventScroll: true });
});

async function drawApps(container) {
  let answer;
  try {
    answer = await api('GET', '/api/v3/internal/apps');
  } catch (error) {
    replaceChildren(container, errorView(error));
    return;
  }
  if (!answer.data.length) {
    replaceChildren(container, h('div', { class: 'card empty' }, h('p', { text: 'No apps yet: hookd apps create --name NAME.' })));
    return;
  }
  const rows = answer.data.map((app) => appRow(app));
  replaceChildren(
    container,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'apps stack-on-phone' },
        h('caption', { class: 'visually-hidden', text: 'Apps, oldest first' }),
        h('thead', {}, h('tr', {}, ['Name', 'App id', 'Type', 'Environment', 'Status', 'Queue depth', 'Created', 'Action'].map((name) => h('th', { scope: 'col', text: name })))),
        h('tbody', {}, rows),
      ),
    ),
  );
}

function appRow(app) {
  const status = h('div', { class: 'action-status' });
  const suspended = app.status !== 'ACTIVE';
  const button = h('button', {
    type: 'button',
    class: suspended ? '' : 'danger-outline',
    dataset: { action: suspended ? 'activate' : 'suspend' },
    text: suspended ? 'Activate' : 'Suspend',
  });
  const row = h(
    'tr',
    { dataset: { appId: app.appId, status: app.status } },
    h('td', { dataset: { label: 'Name' }, text: app.name }),
    h('td', { dataset: { label: 'App id' } }, h('code', { text: app.appId })),
    h('td', { dataset: { label: 'Type' }, text: app.type }),
    h('td', { dataset: { label: 'Environment' } }, badge(app.environment)),
    h('td', { dataset: { label: 'Status' } }, badge(app.status)),
    h('td', { dataset: { label: 'Queue depth' }, class: 'num queue-depth', text: String(app.queueDepth) }),
    h('td', { dataset: { label: 'Created' } }, timeView(app.createdAt)),
    h('td', { dataset: { label: 'Action' } }, button, status),
  );
  button.addEventListener('click', () =>
    runAction(button, status, async () => {
      const verb = suspended ? 'activate' : 'suspend';
      const answer = await api('POST', `/api/v3/internal/apps/${encodeURIComponent(app.appId)}/${verb}`);
      const replacement = appRow(answer.data);
      row.replaceWith(replacement);
      replacement.querySelector('button').focus();
      return null;
    }),
  );
  return row;
}

const FAILING_PAGE = 100;

async function drawFailing(container) {
  let answer;
  try {
    answer = await api('GET', '/api/v3/internal/endpoints/failing', { query: { limit: FAILING_PAGE } });
  } catch (error) {
    replaceChildren(container, errorView(error));
    return;
  }
  if (!answer.data.length) {
    replaceChildren(container, h('div', { class: 'card empty' }, h('p', { text: 'No endpoint is failing.' })));
    return;
  }
  const total = answer.pagination ? answer.pagination.total : answer.data.length;
  replaceChildren(
    container,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'failing-endpoints stack-on-phone' },
        h('caption', { class: 'visually-hidden', text: 'Failing endpoints, oldest failure first' }),
        h('thead', {}, h('tr', {}, ['App', 'Endpoint', 'Failing since', 'Failures in a row', 'Disabled'].map((name) => h('th', { scope: 'col', text: name })))),
        h('tbody', {}, answer.data.map((row) => failingRow(row))),
      ),
    ),
    total > answer.data.length ? h('p', { class: 'muted', text: `Showing the ${answer.data.length} failing longest of ${total}.` }) : null,
  );
}

function failingRow(row) {
  const disabled = row.status === 'DISABLED';
  return h(
    'tr',
    { dataset: { webhookId: row.webhookId, appId: row.appId, status: row.status } },
    // One element a cell: on a phone each cell is a two-column grid, its label and this.
    h('td', { dataset: { label: 'App' } }, h('div', {}, h('span', { text: row.appName }), ' ', h('code', { class: 'muted', text: row.appId }))),
    h('td', { dataset: { label: 'Endpoint' }, class: 'cell-endpoint' }, h('div', {}, h('code', { class: 'endpoint-url', text: row.url }), h('div', { class: 'endpoint-id', text: row.webhookId }))),
    h('td', { dataset: { label: 'Failing since' } }, timeView(row.failingSince)),
    h('td', { dataset: { label: 'Failures in a row' }, class: 'num', text: String(row.failureCount) }),
    h(
      'td',
      { dataset: { label: 'Disabled' }, class: 'disable-cell', title: disabled ? disabledReasonText(row.disabledReason) : null },
      disabled
        ? h('span', {}, badge('DISABLED'), ' ', row.disabledReason ? badge(row.disabledReason, 'reason') : null)
        : row.disableAt
          ? h('span', {}, 'on ', timeView(row.disableAt), h('span', { class: 'muted', text: ` (${formatFromNow(row.disableAt)})` }))
          : h('span', { class: 'muted', text: 'never (v3 URL)' }),
    ),
  );
}

async function drawActivity(container, windowName, title) {
  let answer;
  try {
    answer = await api('GET', '/api/v3/internal/activity', { query: { window: windowName } });
  } catch (error) {
    replaceChildren(container, h('h3', { text: title }), errorView(error));
    return;
  }
  const { bucketSeconds, buckets } = answer.data;
  const succeeded = buckets.reduce((sum, bucket) => sum + bucket.succeeded, 0);
  const failed = buckets.reduce((sum, bucket) => sum + bucket.failed, 0);
  const span = bucketSeconds * buckets.length;
  const peak = Math.max(0, ...buckets.map((bucket) => (bucket.succeeded + bucket.failed) / bucketSeconds));
  const perSecond = [
    { values: buckets.map((bucket) => bucket.succeeded / bucketSeconds), className: 'series-ok', label: 'succeeded / s' },
    { values: buckets.map((bucket) => bucket.failed / bucketSeconds), className: 'series-fail', label: 'failed / s' },
  ];
  const failures = [{ values: buckets.map((bucket) => bucket.failed), className: 'series-fail', label: `failures per ${bucketSeconds >= 3600 ? 'hour' : 'minute'}` }];
  const first = buckets.length ? new Date(buckets[0].start) : null;
  const end = buckets.length ? new Date(new Date(buckets[buckets.length - 1].start).getTime() + bucketSeconds * 1000) : null;
  const unit = bucketSeconds >= 3600 ? 'an hour' : 'a minute';
  replaceChildren(
    container,
    h('h3', { text: title }),
    h(
      'p',
      { class: 'activity-summary', dataset: { window: windowName } },
      h('span', { class: 'metric-value', text: formatRate((succeeded + failed) / span) }),
      ' attempts / s on average · ',
      h('strong', { text: String(succeeded) }),
      ' succeeded · ',
      h('strong', { class: failed ? 'text-fail' : '', text: String(failed) }),
      ' failed · peak ',
      formatRate(peak),
      ' / s',
    ),
    h(
      'figure',
      { class: 'metric wide' },
      h('figcaption', { text: `Deliveries per second (bars of ${unit})` }),
      chart({ kind: 'bars', series: perSecond, width: 600, height: 90, label: `${title}: ${succeeded} attempts succeeded and ${failed} failed, peak ${formatRate(peak)} per second` }),
      axis(first, end),
      legend(perSecond),
    ),
    h(
      'figure',
      { class: 'metric wide' },
      h('figcaption', { text: `Failures (per ${bucketSeconds >= 3600 ? 'hour' : 'minute'})` }),
      chart({ kind: 'bars', series: failures, width: 600, height: 48, label: `${title}: ${failed} failed attempts` }),
      axis(first, end),
    ),
  );
}

function axis(start, end) {
  if (!start) return null;
  // A day's chart starts and ends at the same hour: say which day each end is.
  const label = (date) => (end && end - start >= 86400000 ? `${date.toISOString().slice(5, 10)} ${formatClock(date)}` : formatClock(date));
  return h('p', { class: 'axis' }, h('span', { text: label(start) }), h('span', { text: end ? label(end) : 'now' }));
}
