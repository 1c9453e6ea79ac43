// Formatting for both portal pages: times, durations, shares and rates as text.

/** An API timestamp as `YYYY-MM-DD HH:MM:SS UTC`. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A date's time of day as `HH:MM UTC`. */
export function formatClock(date) {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

/** Milliseconds as `850 ms`, `1.5 s` or `12 s`; `—` when absent. */
export function formatMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** A fraction as a percentage with at most one decimal; `—` when absent. */
export function formatPercent(fraction) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '—';
  const percent = fraction * 100;
  return `${percent >= 99.95 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)} %`;
}

/** A rate with as many decimals as its size needs. */
export function formatRate(value) {
  if (value === 0) return '0';
  if (value < 0.01) return value.toFixed(4);
  if (value < 10) return value.toFixed(2);
  return value.toFixed(0);
}

/** `card.funded` → `CARD_FUNDED`, the v3.20 spelling. */
export function upperEventName(name) {
  return name.replace(/\./g, '_').toUpperCase();
}

/** How far ahead `iso` is from now, in words: `in 4 days 23 hours`, `in 3 hours`, `within the hour`; `now` once past. */
export function formatFromNow(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return 'now';
  const hours = Math.floor(ms / 3600000);
  if (hours >= 24) {
    const days = Math.floor(hours / 24);
    const rest = hours % 24;
    return `in ${days} ${days === 1 ? 'day' : 'days'}${rest ? ` ${rest} ${rest === 1 ? 'hour' : 'hours'}` : ''}`;
  }
  if (hours >= 1) return `in ${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  return 'within the hour';
}

/**
 * What a keyed delivery waits for, in words, when it waits behind an earlier event of its ordering key (`PENDING`
 * with no attempt due, SPEC §15); `null` for every other delivery.
 */
export function keyWaitText(delivery) {
  if (delivery.status !== 'PENDING' || delivery.nextAttemptAt || !delivery.orderingKey) return null;
  return `waiting for an earlier event of key ${delivery.orderingKey}`;
}

/** Why an endpoint is disabled (its `disabledReason`), as a sentence. */
export function disabledReasonText(reason) {
  switch (reason) {
    case 'GONE':
      return 'Disabled by hookd: the receiver answered 410 Gone, which says the URL is no longer there.';
    case 'FAILING':
      return 'Disabled by hookd: every delivery attempt failed for as long as this hookd allows (5 days by default).';
    case 'MANUAL':
      return 'Disabled by hand, in this portal or through the API.';
    default:
      return reason ? `Disabled (${reason}).` : 'Disabled.';
  }
}
