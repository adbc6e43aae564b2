// A plain SVG bar chart: per category, rural and urban bars side by side (no chart library).
import { t, formatNumber } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';
const el = (tag, attrs, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

/** rows: [{ label, urban, rural }] in km (null when unknown). */
export function barChart(rows, title) {
  const rowH = 34;
  const labelW = 170;
  const width = 560;
  const barW = width - labelW - 60;
  const max = Math.max(1, ...rows.flatMap((r) => [r.urban ?? 0, r.rural ?? 0]));
  const height = rows.length * rowH + 30;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', 'aria-labelledby': 'chart-title chart-desc' });
  svg.append(el('title', { id: 'chart-title' }, title));
  svg.append(el('desc', { id: 'chart-desc' }, rows.map((r) =>
    `${r.label}: ${t('gaps.rural')} ${r.rural === null ? t('missing.na') : formatNumber(r.rural, 1)}, ${t('gaps.urban')} ${r.urban === null ? t('missing.na') : formatNumber(r.urban, 1)}`).join('; ')));
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    svg.append(el('text', { x: labelW - 6, y: y + 18, 'text-anchor': 'end', class: 'chart-label' }, r.label));
    [['rural', r.rural, 0], ['urban', r.urban, 14]].forEach(([cls, v, dy]) => {
      const w = v === null || v === undefined ? 0 : Math.max(1, (v / max) * barW);
      svg.append(el('rect', { x: labelW, y: y + dy, width: w, height: 12, class: `bar ${cls}` }));
      svg.append(el('text', { x: labelW + w + 4, y: y + dy + 10, class: 'chart-value' }, v === null || v === undefined ? t('missing.na') : formatNumber(v, 1)));
    });
  });
  const ly = rows.length * rowH + 14;
  svg.append(el('rect', { x: labelW, y: ly, width: 12, height: 12, class: 'bar rural' }));
  svg.append(el('text', { x: labelW + 16, y: ly + 10, class: 'chart-value' }, t('gaps.rural')));
  svg.append(el('rect', { x: labelW + 90, y: ly, width: 12, height: 12, class: 'bar urban' }));
  svg.append(el('text', { x: labelW + 106, y: ly + 10, class: 'chart-value' }, t('gaps.urban')));
  return svg;
}
