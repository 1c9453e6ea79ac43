// The app page's Events view: the event catalogue, v3.20 and v3 names side by side.

import { catalogue } from './app-data.js';
import { deliveriesHash } from './app-deliveries.js';
import { h } from './dom.js';

/** Draws the event catalogue into `view`, each event linked to its deliveries. */
export async function eventsView(view, stillCurrent) {
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
