// Small SVG charts for both portal pages, drawn with DOM calls like everything else.

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/**
 * A small chart as inline SVG: `bars` stacks each series' values per slot, `lines` draws each series as a line
 * (a `null` value leaves a gap). `series` is `[{values, className, label}]`; every series has one value per slot.
 * The chart is an image to assistive technology, described by `label`; the numbers are also written in the page.
 */
export function chart({ kind = 'bars', series, label, width = 300, height = 64, max }) {
  const slots = Math.max(1, ...series.map((s) => s.values.length));
  const totals = Array.from({ length: slots }, (_, i) =>
    kind === 'bars'
      ? series.reduce((sum, s) => sum + (s.values[i] || 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] || 0)),
  );
  const top = max ?? Math.max(...totals);
  const scale = top > 0 ? (height - 4) / top : 0;
  const root = svg('svg', {
    class: `chart chart-${kind}`,
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': label,
  });
  root.append(svg('title', {}, document.createTextNode(label)));
  root.append(svg('line', { class: 'chart-axis', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }));
  const slotWidth = width / slots;
  if (kind === 'bars') {
    for (let i = 0; i < slots; i += 1) {
      let y = height;
      for (const s of series) {
        const value = s.values[i] || 0;
        if (value <= 0) continue;
        const barHeight = Math.max(1, value * scale);
        y -= barHeight;
        root.append(
          svg('rect', {
            class: s.className,
            x: (i * slotWidth + slotWidth * 0.1).toFixed(2),
            y: y.toFixed(2),
            width: Math.max(0.5, slotWidth * 0.8).toFixed(2),
            height: barHeight.toFixed(2),
          }),
        );
      }
    }
  } else {
    for (const s of series) {
      let path = '';
      let pen = false;
      s.values.forEach((value, i) => {
        if (value === null || value === undefined) {
          pen = false;
          return;
        }
        const x = (i + 0.5) * slotWidth;
        const y = height - 2 - value * scale;
        path += `${pen ? 'L' : 'M'}${x.toFixed(2)} ${y.toFixed(2)} `;
        pen = true;
      });
      if (path) root.append(svg('path', { class: s.className, d: path.trim(), 'vector-effect': 'non-scaling-stroke' }));
      // Single points would not show as a line: mark each with a dot.
      s.values.forEach((value, i) => {
        if (value === null || value === undefined) return;
        root.append(
          svg('circle', {
            class: `${s.className} chart-dot`,
            cx: ((i + 0.5) * slotWidth).toFixed(2),
            cy: (height - 2 - value * scale).toFixed(2),
            r: 2.2,
          }),
        );
      });
    }
  }
  return root;
}

/** A legend for a chart's series: a swatch and the series' label each. */
export function legend(series) {
  return h(
    'ul',
    { class: 'legend' },
    series.map((s) => h('li', {}, h('span', { class: `swatch ${s.className}`, 'aria-hidden': 'true' }), s.label)),
  );
}
