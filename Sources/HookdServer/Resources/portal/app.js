// The app's portal page: its endpoints with their health, the delivery log, one delivery's attempts, and the event
// catalogue, one module each (app-*.js). Views are chosen by the address's fragment (#/endpoints, #/deliveries?…,
// #/delivery/ID, #/events), so the browser's back button and links work; nothing secret is ever put in the address.

import { deliveriesView } from './app-deliveries.js';
import { deliveryView } from './app-delivery.js';
import { endpointsView } from './app-endpoints.js';
import { eventsView } from './app-events.js';
import { badge, errorView, h, replaceChildren } from './dom.js';
import { startPage } from './portal.js';

let latestGeneration = 0; // bumped on every navigation, so a slow answer never draws over a newer view

startPage('app', async (session, main) => {
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

async function route(main) {
  latestGeneration += 1;
  const generation = latestGeneration;
  const current = parseRoute();
  const tab = current.view === 'delivery' ? 'deliveries' : current.view;
  for (const link of document.querySelectorAll('#tabs a')) {
    if (link.dataset.view === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const view = h('div', { class: 'view', dataset: { view: current.view } });
  replaceChildren(main, view);
  const stillCurrent = () => generation === latestGeneration;
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
