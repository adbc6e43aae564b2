// Planner view, "Where is help missing?": pick or upload a demand dataset, start a gap analysis (POST /api/gap_analyses),
// follow its progress, then see settlements and a region choropleth (a hexagon grid where regions have no outline), the
// urban/rural table and chart, the worst-served settlements, headlines and the downloads.
import { api, getKey, loadCategories } from './api.js';
import { h, replace, uid } from './dom.js';
import { t, language, categoryLabel, formatDistance, formatNumber, formatPercent } from './i18n.js';
import { createMap, L, tip } from './map.js';
import { barChart } from './chart.js';

const FIGURES = ['mean', 'within', 'gap', 'ratio'];
const GRID_KM = 20;
const state = { datasetId: '', categories: [], targetKm: '25', thresholds: '5, 10, 25, 50', category: '', figure: 'mean', message: null };
let categories = new Map();
let map;
let poll;
let current; // the analysis on screen

export function leaveGaps() {
  clearTimeout(poll);
  clearTimeout(placementPoll);
  if (map) {
    map.remove();
    map = undefined;
  }
}

export async function renderGaps(root, { id, go }) {
  clearTimeout(poll);
  try {
    categories = await loadCategories();
  } catch {
    categories = new Map();
  }
  const [datasets, analyses] = await Promise.all([
    api('/api/demand_datasets?per_page=100').then((r) => r.data.contents ?? []).catch(() => []),
    api('/api/gap_analyses?per_page=20').then((r) => r.data.contents ?? []).catch(() => []),
  ]);
  if (!state.datasetId && datasets.length) state.datasetId = datasets[0].id;

  const ids = { dataset: uid('ds'), target: uid('target'), thresholds: uid('thr'), name: uid('name'), file: uid('file') };
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'gaps-status' });
  const progress = h('progress', { max: 100, value: 0, hidden: true, id: 'gaps-progress', 'aria-label': t('gaps.progress') });
  const resultsEl = h('section', { id: 'gap-results', class: 'results', 'aria-labelledby': 'gap-results-h', tabindex: '-1' });
  const mapEl = h('div', { class: 'map', id: 'map' });

  const categoryChecks = h('div', { class: 'checks' }, [...categories.keys()].map((code) => {
    const cid = uid('cat');
    return h('div', { class: 'check' },
      h('input', {
        type: 'checkbox', id: cid, value: code, checked: state.categories.includes(code),
        onchange: (e) => { state.categories = e.target.checked ? [...state.categories, code] : state.categories.filter((c) => c !== code); },
      }),
      h('label', { for: cid }, categoryLabel(categories, code)));
  }));

  const start = async (e) => {
    e.preventDefault();
    if (!getKey()) {
      replace(status, t('gaps.needKey'));
      return;
    }
    const thresholds = state.thresholds.split(/[,;\s]+/).map(Number).filter((x) => Number.isFinite(x) && x > 0);
    const body = { dataset_id: state.datasetId, background: true };
    if (state.categories.length) body.categories = state.categories;
    if (Number(state.targetKm) > 0) body.target_km = Number(state.targetKm);
    if (thresholds.length) body.thresholds_km = thresholds;
    try {
      const { status: code, data } = await api('/api/gap_analyses', { method: 'POST', body });
      state.message = code === 200 ? t('gaps.reused') : null;
      go(`/gaps/${data.id}`);
    } catch (err) {
      replace(status, t('common.error', { message: err.message }));
    }
  };

  const upload = async (e) => {
    e.preventDefault();
    const file = e.target.querySelector('input[type=file]').files[0];
    const name = e.target.querySelector('input[type=text]').value.trim();
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    if (name) form.append('name', name);
    try {
      const { data } = await api('/api/demand_datasets', { method: 'POST', body: form });
      state.datasetId = data.dataset?.id ?? data.id ?? state.datasetId;
      state.message = t('gaps.uploaded');
      renderGaps(root, { id, go });
    } catch (err) {
      replace(status, t('common.error', { message: err.message }));
    }
  };

  const previous = analyses.filter((a) => a.status === 'succeeded');
  const form = h('form', { class: 'gaps-form', onsubmit: start, novalidate: true },
          h('div', { class: 'field' },
            h('label', { for: ids.dataset }, t('gaps.dataset')),
            datasets.length
              ? h('select', { id: ids.dataset, onchange: (e) => { state.datasetId = e.target.value; } },
                datasets.map((d) => h('option', { value: d.id, selected: d.id === state.datasetId }, `${d.name} · ${t('gaps.settlements', { count: formatNumber(d.settlements) })}`)))
              : h('p', { id: ids.dataset, class: 'muted' }, t('gaps.noDatasets'))),
          h('fieldset', {}, h('legend', {}, t('gaps.categories')), categoryChecks),
          h('div', { class: 'row' },
            h('div', { class: 'field small' }, h('label', { for: ids.target }, t('gaps.targetKm')),
              h('input', { id: ids.target, type: 'number', min: 1, max: 500, inputmode: 'numeric', value: state.targetKm, oninput: (e) => { state.targetKm = e.target.value; } })),
            h('div', { class: 'field' }, h('label', { for: ids.thresholds }, t('gaps.thresholds')),
              h('input', { id: ids.thresholds, type: 'text', value: state.thresholds, oninput: (e) => { state.thresholds = e.target.value; } }))),
          h('button', { type: 'submit', class: 'primary', id: 'gaps-start', disabled: datasets.length === 0 }, t('gaps.start')),
          getKey() ? null : h('p', { class: 'hint' }, t('gaps.needKey')));
  const setup = [
        form,
        h('details', { class: 'upload' }, h('summary', {}, t('gaps.upload')),
          h('form', { onsubmit: upload },
            h('div', { class: 'field' }, h('label', { for: ids.name }, t('gaps.uploadName')), h('input', { id: ids.name, type: 'text' })),
            h('div', { class: 'field' }, h('label', { for: ids.file }, t('gaps.uploadFile')),
              h('input', { id: ids.file, type: 'file', accept: '.csv,.geojson,.json,text/csv,application/geo+json,application/json' })),
            h('button', { type: 'submit', class: 'secondary' }, t('gaps.uploadSubmit')))),
        h('section', { class: 'previous', 'aria-labelledby': 'prev-h' },
          h('h2', { id: 'prev-h' }, t('gaps.previous')),
          previous.length
            ? h('ul', {}, previous.map((a) => h('li', {},
              h('a', { href: `/gaps/${a.id}`, 'aria-current': a.id === id ? 'true' : null, onclick: (e) => { e.preventDefault(); go(`/gaps/${a.id}`); } },
                t('gaps.analysisOf', { dataset: a.dataset.name, date: new Date(a.finished_at ?? a.created_at).toLocaleString(language()) })))))
            : h('p', { class: 'muted' }, t('gaps.noPrevious')))];
  // With an analysis on screen its results come first; the form to start another follows.
  replace(root,
    h('div', { class: 'layout' },
      h('section', { class: 'panel', 'aria-labelledby': 'gaps-h' },
        h('h1', { id: 'gaps-h' }, t('gaps.heading')),
        h('p', {}, t('gaps.intro')),
        progress, status,
        id ? [resultsEl, setup] : [setup, resultsEl]),
      h('div', { class: 'map-wrap' }, mapEl)));
  if (state.message) {
    replace(status, state.message);
    state.message = null;
  }

  if (map) map.remove();
  map = createMap(mapEl, {});
  if (id) follow(id, { status, progress, resultsEl });
}

async function follow(id, ui) {
  let a;
  try {
    a = (await api(`/api/gap_analyses/${id}`)).data;
  } catch (err) {
    replace(ui.status, err.status === 404 ? t('gaps.notFound') : t('common.error', { message: err.message }));
    return;
  }
  if (a.status === 'queued' || a.status === 'running') {
    ui.progress.hidden = false;
    ui.progress.value = a.progress_percent ?? 0;
    replace(ui.status, t('gaps.status', { status: t(`status.${a.status}`), percent: a.progress_percent ?? 0, stage: a.stage ?? '' }));
    ui.status.dataset.progress = '1';
    poll = setTimeout(() => follow(id, ui), 1000);
    return;
  }
  ui.progress.hidden = true;
  if (ui.status.dataset.progress) {
    delete ui.status.dataset.progress;
    replace(ui.status, '');
  }
  if (a.status !== 'succeeded') {
    replace(ui.status, t('gaps.failed', { error: a.error ?? a.status }));
    return;
  }
  current = a;
  if (!state.category || !a.options.categories.includes(state.category)) {
    state.category = a.options.categories.includes('police') ? 'police' : a.options.categories[0];
  }
  await showResults(a, ui.resultsEl);
}

let pointsLayer;
let areasLayer;
let pointsData;
let areasData;

async function showResults(a, el) {
  const [points, regions] = await Promise.all([
    api(`/api/gap_analyses/${a.id}/points.geojson`).then((r) => r.data),
    api(`/api/gap_analyses/${a.id}/regions.geojson`).then((r) => r.data),
  ]);
  pointsData = points;
  const outlined = regions.features.filter((f) => f.geometry);
  let grid = false;
  if (outlined.length > 0) {
    areasData = { type: 'FeatureCollection', features: outlined };
  } else {
    areasData = (await api(`/api/gap_analyses/${a.id}/grid.geojson?cell_km=${GRID_KM}`)).data;
    grid = true;
  }
  const summary = a.results.summary;
  const label = (c) => categoryLabel(categories, c, summary.find((s) => s.category === c)?.label);
  const catId = uid('cat');
  const figId = uid('fig');
  const km = (m) => (m === null || m === undefined ? null : m / 1000);
  const target = a.options.target_km;

  const headline = (s) => {
    const params = {
      label: label(s.category), ratio: s.rural_to_urban.mean_distance === null || s.rural_to_urban.mean_distance === undefined ? '' : formatNumber(s.rural_to_urban.mean_distance, 1),
      rural: formatDistance(s.rural.mean_distance_m), urban: formatDistance(s.urban.mean_distance_m),
      servedRural: formatPercent(s.rural.served_share), servedUrban: formatPercent(s.urban.served_share), target: formatNumber(target),
    };
    return params.ratio ? t('gaps.headline', params) : t('gaps.headlineNoRatio', params);
  };
  const gapText = (s) => {
    const u = s.urban.gap === true;
    const r = s.rural.gap === true;
    return t(`gaps.gap.${u && r ? 'both' : r ? 'rural' : u ? 'urban' : 'none'}`);
  };
  const worst = summary.find((s) => s.category === state.category)?.worst_served ?? [];
  const downloads = [
    ['csv', a.links.table], ['points', a.links.points], ['regions', a.links.regions],
    grid ? ['grid', `/api/gap_analyses/${a.id}/grid.geojson?cell_km=${GRID_KM}`] : null,
  ].filter((d) => d && d[1]);

  replace(el,
    h('h2', { id: 'gap-results-h' }, t('gaps.results'), ': ', a.dataset.name),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: catId }, t('gaps.category')),
        h('select', { id: catId, onchange: (e) => { state.category = e.target.value; showResults(a, el); } },
          a.options.categories.map((c) => h('option', { value: c, selected: c === state.category }, label(c))))),
      h('div', { class: 'field' }, h('label', { for: figId }, t('gaps.figure')),
        h('select', { id: figId, onchange: (e) => { state.figure = e.target.value; drawMap(a, grid); } },
          FIGURES.map((f) => h('option', { value: f, selected: f === state.figure }, t(`figure.${f}`)))))),
    h('p', { class: 'muted' }, t('gaps.legendPoints')),
    legend(),
    grid ? h('p', { class: 'muted', id: 'grid-note' }, t('gaps.gridNote', { km: GRID_KM })) : null,
    h('section', { 'aria-labelledby': 'head-h' }, h('h3', { id: 'head-h' }, t('gaps.headlines')),
      h('ul', { class: 'headlines' }, summary.map((s) => h('li', {}, headline(s))))),
    h('section', { 'aria-labelledby': 'sum-h' }, h('h3', { id: 'sum-h' }, t('gaps.summary')),
      h('div', { class: 'table-wrap', tabindex: '0', role: 'group', 'aria-labelledby': 'sum-h' },
        h('table', { class: 'summary', id: 'summary-table' },
          h('thead', {}, h('tr', {}, ['category', 'sites', 'meanUrban', 'meanRural', 'ratio', 'servedUrban', 'servedRural', 'gap']
            .map((c) => h('th', { scope: 'col' }, t(`gaps.col.${c}`))))),
          h('tbody', {}, summary.map((s) => h('tr', {},
            h('th', { scope: 'row' }, label(s.category)),
            h('td', {}, formatNumber(s.sites)),
            h('td', {}, km(s.urban.mean_distance_m) === null ? t('missing.na') : formatNumber(km(s.urban.mean_distance_m), 1)),
            h('td', {}, km(s.rural.mean_distance_m) === null ? t('missing.na') : formatNumber(km(s.rural.mean_distance_m), 1)),
            h('td', {}, s.rural_to_urban.mean_distance === null || s.rural_to_urban.mean_distance === undefined ? t('missing.na') : `${formatNumber(s.rural_to_urban.mean_distance, 1)}×`),
            h('td', {}, formatPercent(s.urban.served_share)),
            h('td', {}, formatPercent(s.rural.served_share)),
            h('td', {}, gapText(s)))))))),
    h('section', { 'aria-labelledby': 'chart-h' }, h('h3', { id: 'chart-h' }, t('gaps.chart')),
      barChart(summary.map((s) => ({ label: label(s.category), urban: km(s.urban.mean_distance_m), rural: km(s.rural.mean_distance_m) })), t('gaps.chart'))),
    h('section', { 'aria-labelledby': 'worst-h' }, h('h3', { id: 'worst-h' }, t('gaps.worst'), ` (${label(state.category)})`),
      h('ol', { class: 'worst' }, worst.map((w) => h('li', {},
        h('button', { type: 'button', class: 'link', onclick: () => { map.setView([w.latitude, w.longitude], 11); } },
          t('gaps.worstItem', { name: w.name, distance: w.distance_m === null || w.distance_m === undefined ? t('gaps.noSite') : formatDistance(w.distance_m) })))))),
    h('section', { 'aria-labelledby': 'dl-h' }, h('h3', { id: 'dl-h' }, t('gaps.downloads')),
      h('ul', { class: 'downloads' }, downloads.map(([k, href]) => h('li', {}, h('a', { href, download: '', id: `download-${k}` }, t(`gaps.${k}`)))))),
    placementSection(a, label));
  drawMap(a, grid);
}

// "Where should the next units go?": a placement (POST /api/placements) over the analysis's dataset, category and target,
// followed to its end; the chosen sites are numbered on the map and listed with what each adds, and the urban/rural
// figures before and after are a table. Starting one needs a planner, editor or admin key, as an analysis does.
let placementLayer;
let placementPoll;

function placementSection(a, label) {
  clearTimeout(placementPoll);
  placementLayer?.remove();
  placementLayer = undefined;
  const ids = { category: uid('pcat'), k: uid('pk') };
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'placement-status' });
  const results = h('div', { id: 'placement-results' });
  const categorySelect = h('select', { id: ids.category },
    a.options.categories.map((c) => h('option', { value: c, selected: c === state.category }, label(c))));
  const kInput = h('input', { id: ids.k, type: 'number', min: 1, max: 10, value: 3, inputmode: 'numeric' });
  const start = async (e) => {
    e.preventDefault();
    if (!getKey()) {
      replace(status, t('place.needKey'));
      return;
    }
    const body = { dataset_id: a.dataset.id, category: categorySelect.value, k: Number(kInput.value) || 3, background: true };
    if (a.options.target_km) body.target_km = a.options.target_km;
    for (const key of ['age', 'gender', 'language']) {
      if (a.options[key] !== null && a.options[key] !== undefined) body[key] = a.options[key];
    }
    replace(results);
    try {
      const { data } = await api('/api/placements', { method: 'POST', body });
      followPlacement(data.id, { status, results, label });
    } catch (err) {
      replace(status, t('common.error', { message: err.message }));
    }
  };
  return h('section', { 'aria-labelledby': 'place-h', id: 'placement' },
    h('h3', { id: 'place-h' }, t('place.heading')),
    h('p', { class: 'muted' }, t('place.intro', { target: formatNumber(a.options.target_km) })),
    h('form', { onsubmit: start, novalidate: true },
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: ids.category }, t('place.category')), categorySelect),
        h('div', { class: 'field small' }, h('label', { for: ids.k }, t('place.k')), kInput)),
      h('button', { type: 'submit', class: 'secondary', id: 'placement-start' }, t('place.start'))),
    status, results);
}

async function followPlacement(id, ui) {
  let p;
  try {
    p = (await api(`/api/placements/${id}`)).data;
  } catch (err) {
    replace(ui.status, t('common.error', { message: err.message }));
    return;
  }
  if (p.status === 'queued' || p.status === 'running') {
    replace(ui.status, t('place.status', { percent: p.progress_percent ?? 0 }));
    placementPoll = setTimeout(() => followPlacement(id, ui), 1000);
    return;
  }
  if (p.status !== 'succeeded') {
    replace(ui.status, t('place.failed', { error: p.error ?? p.status }));
    return;
  }
  replace(ui.status, '');
  const r = p.results;
  const coverage = p.options.objective === 'coverage';
  const gain = (s) => (coverage
    ? t('place.gainPeople', { count: formatNumber(Math.round(s.gain)) })
    : t('place.gainKm', { km: formatNumber(s.gain, 1) }));
  const km = (m) => (m === null || m === undefined ? t('missing.na') : formatNumber(m / 1000, 1));
  const pct = (v) => (v === null || v === undefined ? t('missing.na') : formatPercent(v));
  const row = (name, before, after) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, before), h('td', {}, after));
  replace(ui.results,
    h('p', { id: 'placement-headline' }, r.headline),
    r.sites.length
      ? h('ol', { id: 'placement-sites', class: 'worst' }, r.sites.map((s) => h('li', {},
        h('button', { type: 'button', class: 'link', onclick: () => { map?.setView([s.latitude, s.longitude], 11); } },
          t('place.site', { name: s.name, gain: gain(s) })))))
      : h('p', { class: 'muted', id: 'placement-none' }, t('place.none')),
    h('div', { class: 'table-wrap', tabindex: '0', role: 'group', 'aria-labelledby': 'place-table-h' },
      h('table', { class: 'summary', id: 'placement-table' },
        h('caption', { id: 'place-table-h' }, t('place.beforeAfter')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, t('place.before')), h('th', { scope: 'col' }, t('place.after')))),
        h('tbody', {},
          row(t('gaps.col.servedUrban'), pct(r.before.urban.served_share), pct(r.after.urban.served_share)),
          row(t('gaps.col.servedRural'), pct(r.before.rural.served_share), pct(r.after.rural.served_share)),
          row(t('gaps.col.meanUrban'), km(r.before.urban.mean_distance_m), km(r.after.urban.mean_distance_m)),
          row(t('gaps.col.meanRural'), km(r.before.rural.mean_distance_m), km(r.after.rural.mean_distance_m))))),
    h('ul', { class: 'downloads' },
      p.links.csv ? h('li', {}, h('a', { href: p.links.csv, download: '' }, t('place.csv'))) : null,
      p.links.geojson ? h('li', {}, h('a', { href: p.links.geojson, download: '' }, t('place.geojson'))) : null));
  placementLayer?.remove();
  if (map && r.sites.length) {
    placementLayer = L.featureGroup(r.sites.map((s) => L.circleMarker([s.latitude, s.longitude], {
      radius: 9, color: '#1e3a8a', weight: 3, fillColor: '#ffffff', fillOpacity: 1, className: 'placement-site',
    }).bindTooltip(tip(`${s.rank}. ${s.name}`), { permanent: true, direction: 'top' }))).addTo(map);
  }
}

function legend() {
  const labels = ['≤ 5', '5–10', '10–25', '25–50', '50–100', '> 100'];
  return h('ul', { class: 'legend', 'aria-label': t('gaps.legend') },
    RAMP.map((colour, i) => h('li', {}, h('span', { class: `swatch swatch-${i}`, 'aria-hidden': 'true' }), `${labels[i]} km`)),
    h('li', {}, h('span', { class: 'swatch swatch-none', 'aria-hidden': 'true' }), t('gaps.noSite')));
}

const RAMP = ['#1a9850', '#91cf60', '#d9ef8b', '#fee08b', '#fc8d59', '#d73027'];
function rampColor(value, breaks) {
  if (value === null || value === undefined) return '#9ca3af';
  let i = 0;
  while (i < breaks.length && value > breaks[i]) i++;
  return RAMP[Math.min(i, RAMP.length - 1)];
}

function drawMap(a, grid) {
  if (!map) return;
  pointsLayer?.remove();
  areasLayer?.remove();
  const c = state.category;
  const figure = {
    mean: { key: `${c}_mean_distance_m`, color: (v) => rampColor(v === null ? null : v / 1000, [5, 10, 25, 50, 100]) },
    within: { key: `${c}_served_share`, color: (v) => rampColor(v === null ? null : 1 - v, [0.05, 0.2, 0.4, 0.6, 0.8]) },
    gap: { key: `${c}_gap`, color: (v) => (v === true ? '#d73027' : v === false ? '#1a9850' : '#9ca3af') },
    ratio: { key: `${c}_rural_urban_ratio`, color: (v) => rampColor(v, [1, 1.5, 2, 4, 8]) },
  }[state.figure];
  areasLayer = L.geoJSON(areasData, {
    style: (f) => ({ color: '#374151', weight: 1, fillOpacity: 0.55, fillColor: figure.color(f.properties[figure.key] ?? null), className: 'choropleth-area' }),
    onEachFeature: (f, l) => {
      const v = f.properties[figure.key];
      l.bindTooltip(tip(`${f.properties.region_name ?? f.properties.region_code ?? ''} · ${t(`figure.${state.figure}`)}: ${v === null || v === undefined ? t('missing.na')
        : state.figure === 'mean' ? formatDistance(v) : state.figure === 'within' ? formatPercent(v) : state.figure === 'gap' ? String(v) : formatNumber(v, 1)}`));
    },
  }).addTo(map);
  const maxPop = Math.max(1, ...pointsData.features.map((f) => f.properties.population ?? 1));
  pointsLayer = L.geoJSON(pointsData, {
    pointToLayer: (f, ll) => L.circleMarker(ll, {
      radius: 3 + 12 * Math.sqrt((f.properties.population ?? 1) / maxPop),
      color: '#111827', weight: 1, fillOpacity: 0.9, className: 'settlement',
      fillColor: rampColor(f.properties[`${c}_distance_m`] === null || f.properties[`${c}_distance_m`] === undefined ? null : f.properties[`${c}_distance_m`] / 1000, [5, 10, 25, 50, 100]),
    }).bindTooltip(tip(`${f.properties.name}: ${formatDistance(f.properties[`${c}_distance_m`])}`)),
  }).addTo(map);
  const bounds = L.featureGroup([pointsLayer, areasLayer]).getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16] });
  void grid;
}
