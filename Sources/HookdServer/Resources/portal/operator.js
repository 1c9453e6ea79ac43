// The operator's portal page: every app with its status and queue depth (suspend, activate), and the service's
// deliveries per second and failures over the last hour and the last day.

import { api } from './api.js';
import { chart, legend } from './charts.js';
import { badge, errorView, h, replaceChildren, runAction, timeView } from './dom.js';
import { formatClock, formatRate } from './format.js';
import { startPage } from './portal.js';

startPage('operator', async (session, main) => {
  const apps = h('div', { id: 'apps' }, h('p', { class: 'muted', text: 'Loading apps…' }));
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
    h('section', { 'aria-labelledby': 'apps-title' }, h('h2', { id: 'apps-title', text: 'Apps' }), apps),
  );
  const load = () =>
    Promise.all([
      drawApps(apps),
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
