// An endpoint's health on the app page: success rate and latency per hour over the last 24 hours.

import { api } from './api.js';
import { chart, legend } from './charts.js';
import { errorView, h, replaceChildren } from './dom.js';
import { formatMs, formatPercent } from './format.js';

/** Success rate and latency p50/p95 per hour over the last 24 hours, from the endpoint's stats. */
export function healthCard(endpoint) {
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
