// What the app page's views read once and share: the event catalogue and the list of endpoints.

import { api } from './api.js';

const cache = {
  catalogue: null, // [{event, v3Event, description, origin}]: v3.20 names, and the v3 name where there is one
  endpoints: null, // the last list read
};

/** The event catalogue, read once a page. */
export async function catalogue() {
  if (!cache.catalogue) cache.catalogue = (await api('GET', '/api/v3.20/webhooks/events')).data.events;
  return cache.catalogue;
}

/** Reads the app's endpoints (the first 100) and keeps them for naming endpoints in the other views. */
export async function loadEndpoints() {
  const list = await api('GET', '/api/v3.20/webhooks', { query: { limit: 100 } });
  cache.endpoints = list.data;
  return list;
}

/** The endpoints of the last list read, or `null` before the first. */
export function knownEndpoints() {
  return cache.endpoints;
}

/** An endpoint as people know it (its description, else its URL), from the last list read. */
export function endpointLabel(webhookId) {
  const endpoint = (cache.endpoints || []).find((e) => e.webhookId === webhookId);
  return endpoint ? endpoint.description || endpoint.url : webhookId || '—';
}
