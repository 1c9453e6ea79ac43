// The frame both portal pages share: reading the session, the header's expiry and logout, and the page that says
// the session has ended. Each page's module starts with `startPage`. No framework, no build step.

import { api, loadSession, onSessionEnded } from './api.js';
import { errorView, h, replaceChildren, runAction } from './dom.js';
import { formatClock } from './format.js';

export const SESSION_ENDED_TEXT = 'Your portal session has ended; ask for a new link (hookd portal-link)';

/** Replaces the page's content with the message that the session is gone, and hides what needs one. */
export function showSessionEnded(main, text = SESSION_ENDED_TEXT) {
  for (const element of document.querySelectorAll('[data-needs-session]')) element.hidden = true;
  replaceChildren(
    main,
    h(
      'section',
      { class: 'card session-ended', id: 'session-ended' },
      h('h1', { text: 'Session ended' }),
      h('p', { class: 'session-ended-text', text }),
    ),
  );
  main.focus();
}

/**
 * Fills the header's session part (when it ends, the logout button) and ends the page when the session does.
 * `main` is where the message goes once the session is over.
 */
export function startSessionHeader(session, main) {
  const expiry = document.getElementById('session-expiry');
  const logout = document.getElementById('logout');
  const ends = new Date(session.expiresAt);
  replaceChildren(expiry, 'Session ends ', h('time', { datetime: session.expiresAt, text: formatClock(ends) }));
  logout.hidden = false;
  const status = document.getElementById('logout-status');
  logout.addEventListener('click', () =>
    runAction(logout, status, async () => {
      await api('POST', '/api/v3/portal/logout', { body: {} });
      showSessionEnded(main, 'You have logged out. Ask for a new link (hookd portal-link) to come back.');
      expiry.textContent = '';
      logout.hidden = true;
    }),
  );
  const remaining = ends.getTime() - Date.now();
  // setTimeout takes at most 2^31-1 ms; a session lasts an hour by default.
  if (remaining > 0 && remaining < 2 ** 31 - 1) window.setTimeout(() => showSessionEnded(main), remaining + 1000);
  onSessionEnded(() => {
    expiry.textContent = '';
    logout.hidden = true;
    showSessionEnded(main);
  });
}

/** Starts a page: reads the session, checks its kind, and shows the session-ended message when there is none. */
export async function startPage(expectedKind, render) {
  const main = document.getElementById('main');
  let session;
  try {
    session = await loadSession();
  } catch (error) {
    replaceChildren(main, h('h1', { text: 'The portal cannot start' }), errorView(error));
    return;
  }
  if (!session) {
    showSessionEnded(main);
    return;
  }
  if (session.kind !== expectedKind) {
    const other = session.kind === 'operator' ? '/portal/operator' : '/portal/';
    replaceChildren(
      main,
      h('h1', { text: 'Another kind of session' }),
      h('p', {}, 'This session is for ', session.kind === 'operator' ? 'the operator' : 'an app', ': ', h('a', { href: other, text: 'open its page' }), '.'),
    );
    return;
  }
  startSessionHeader(session, main);
  for (const element of document.querySelectorAll('[data-needs-session]')) element.hidden = false;
  await render(session, main);
}
