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
