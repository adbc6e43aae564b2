// Caseworker view, "Find help": a place, the child's profile and needs → the referral card (GET /api/referral) as cards,
// with the same options on the map. The list is the primary content: everything on the map is also in the list.
import { api, loadCategories } from './api.js';
import { h, replace, safeUrl, telHref, uid } from './dom.js';
import { t, language, categoryLabel, formatDistance, formatNumber } from './i18n.js';
import { createMap, L, tip } from './map.js';

const GENDERS = ['female', 'male', 'non_binary', 'other'];
const CHILD_LANGUAGES = ['es', 'en', 'pt', 'fr'];
const PLATFORMS = ['facebook', 'whatsapp', 'tiktok', 'instagram', 'telegram', 'snapchat', 'youtube', 'x', 'games'];
/** An in-person option farther than this is flagged as far away. */
export const FAR_KM = 50;
/** Approximate places are drawn as a circle about the size of the 0.05° cell they were generalised to. */
const APPROXIMATE_RADIUS_M = 3000;

const state = {
  place: null, // { name, country, lat, lng }
  age: '',
  gender: '',
  language: '',
  needs: [],
  platform: '',
  card: null,
  error: null,
  loading: false,
};
let categories = new Map();
let map;
let layer;
let searchSeq = 0;

/** Reads a deep link: /find?lat=…&lng=…&age=…&needs=police,health&gender=…&language=…&platform=…&place=… */
export function readUrl(params) {
  const lat = Number.parseFloat(params.get('lat'));
  const lng = Number.parseFloat(params.get('lng'));
  if (Number.isFinite(lat) && Number.isFinite(lng)) {
    state.place = { name: params.get('place') || null, country: params.get('country') || null, lat, lng };
  }
  state.age = params.get('age') ?? state.age;
  state.gender = params.get('gender') ?? state.gender;
  state.language = params.get('language') ?? state.language;
  state.platform = params.get('platform') ?? state.platform;
  if (params.get('needs')) state.needs = params.get('needs').split(',').filter(Boolean);
  return state.place !== null;
}

function writeUrl() {
  const p = new URLSearchParams();
  if (state.place) {
    p.set('lat', state.place.lat.toFixed(5));
    p.set('lng', state.place.lng.toFixed(5));
    if (state.place.name) p.set('place', state.place.name);
    if (state.place.country) p.set('country', state.place.country);
  }
  for (const k of ['age', 'gender', 'language', 'platform']) if (state[k]) p.set(k, state[k]);
  if (state.needs.length) p.set('needs', state.needs.join(','));
  history.replaceState(null, '', `/find?${p}`);
}

const placeText = (place) =>
  place?.name
    ? `${place.name}${place.country ? ` (${place.country})` : ''}`
    : t('find.chosenPoint', { lat: formatNumber(place.lat, 4), lng: formatNumber(place.lng, 4) });

export async function renderFind(root, { autoSearch = false } = {}) {
  try {
    categories = await loadCategories();
  } catch {
    categories = new Map();
  }
  const ids = { place: uid('place'), list: uid('places'), hint: uid('hint'), age: uid('age'), gender: uid('gender'), lang: uid('lang'), platform: uid('platform') };

  const chosen = h('p', { class: 'chosen', id: 'place-chosen', 'aria-live': 'polite' }, state.place ? t('find.chosen', { place: placeText(state.place) }) : '');
  const input = h('input', {
    id: ids.place, type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': ids.list,
    'aria-describedby': ids.hint, autocomplete: 'off', spellcheck: 'false', value: state.place?.name ?? '', name: 'place',
  });
  const list = h('ul', { id: ids.list, role: 'listbox', class: 'suggestions', 'aria-label': t('find.suggestions'), hidden: true });
  const results = h('div', { id: 'results-body' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'find-status' });

  const choosePlace = (place, { search = true } = {}) => {
    state.place = place;
    input.value = place.name ?? '';
    replace(chosen, t('find.chosen', { place: placeText(place) }));
    closeList();
    if (search) runSearch();
  };

  // Place autocomplete (WAI-ARIA combobox with a listbox popup).
  let options = [];
  let active = -1;
  let timer;
  const closeList = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0 && list.children[i]) input.setAttribute('aria-activedescendant', list.children[i].id);
  };
  const suggest = async () => {
    const q = input.value.trim();
    if (q.length < 2) return closeList();
    try {
      const { data: page } = await api(`/api/places?q=${encodeURIComponent(q)}&per_page=8`);
      const data = page.contents ?? [];
      if (input.value.trim() !== q) return;
      options = data;
      replace(list, data.length === 0
        ? h('li', { role: 'option', class: 'none', 'aria-disabled': 'true', id: uid('opt') }, t('find.noPlaces'))
        : data.map((p, i) => h('li', {
          role: 'option', id: uid('opt'), 'aria-selected': 'false', dataset: { index: i },
          onmousedown: (e) => { e.preventDefault(); choosePlace(toPlace(p)); },
        }, p.name, h('span', { class: 'muted' }, ` ${p.region_code ?? p.country} · ${formatNumber(p.population)}`))));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      active = -1;
    } catch {
      closeList();
    }
  };
  const toPlace = (p) => ({ name: p.name, country: p.country, lat: p.latitude, lng: p.longitude });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });
  input.addEventListener('keydown', (e) => {
    const n = list.hidden ? 0 : options.length;
    if (e.key === 'ArrowDown' && n) { e.preventDefault(); highlight((active + 1) % n); }
    else if (e.key === 'ArrowUp' && n) { e.preventDefault(); highlight((active - 1 + n) % n); }
    else if (e.key === 'Escape') closeList();
    else if (e.key === 'Enter' && n) {
      e.preventDefault();
      choosePlace(toPlace(options[Math.max(active, 0)]));
    }
  });
  input.addEventListener('blur', () => setTimeout(closeList, 100));

  const locate = h('button', {
    type: 'button', class: 'secondary', id: 'locate',
    onclick: () => {
      if (!navigator.geolocation) return replace(status, t('find.locationDenied'));
      replace(status, t('find.locating'));
      navigator.geolocation.getCurrentPosition(
        (pos) => { replace(status, ''); choosePlace({ name: null, country: null, lat: pos.coords.latitude, lng: pos.coords.longitude }); },
        () => replace(status, t('find.locationDenied')),
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    },
  }, t('find.useLocation'));

  const select = (id, key, choices, anyLabel) => h('select', { id, name: key, onchange: (e) => { state[key] = e.target.value; } },
    h('option', { value: '' }, anyLabel),
    choices.map(([value, label]) => h('option', { value, selected: state[key] === value }, label)));

  const needs = h('div', { class: 'checks' }, [...categories.entries()].map(([code, term]) => {
    const id = uid('need');
    return h('div', { class: 'check' },
      h('input', {
        type: 'checkbox', id, name: 'needs', value: code, checked: state.needs.includes(code),
        onchange: (e) => { state.needs = e.target.checked ? [...state.needs, code] : state.needs.filter((c) => c !== code); },
      }),
      h('label', { for: id }, categoryLabel(categories, code, term.name)));
  }));

  const form = h('form', {
    class: 'find-form', novalidate: true, 'aria-labelledby': 'find-h',
    onsubmit: (e) => { e.preventDefault(); runSearch(); },
  },
  h('div', { class: 'field' },
    h('label', { for: ids.place }, t('find.place')),
    h('div', { class: 'combo' }, input, list),
    h('p', { class: 'hint', id: ids.hint }, t('find.placeHint')),
    locate, chosen),
  h('fieldset', {},
    h('legend', {}, t('find.child')),
    h('div', { class: 'row' },
      h('div', { class: 'field small' }, h('label', { for: ids.age }, t('find.age')),
        h('input', { id: ids.age, name: 'age', type: 'number', min: 0, max: 120, inputmode: 'numeric', value: state.age, oninput: (e) => { state.age = e.target.value; } })),
      h('div', { class: 'field' }, h('label', { for: ids.gender }, t('find.gender')),
        select(ids.gender, 'gender', GENDERS.map((g) => [g, t(`gender.${g}`)]), t('find.any'))),
      h('div', { class: 'field' }, h('label', { for: ids.lang }, t('find.language')),
        select(ids.lang, 'language', CHILD_LANGUAGES.map((l) => [l, t(`language.${l}`)]), t('find.any'))))),
  h('fieldset', {}, h('legend', {}, t('find.needs')), needs),
  h('div', { class: 'field' }, h('label', { for: ids.platform }, t('find.platform')),
    select(ids.platform, 'platform', PLATFORMS.map((p) => [p, t(`platform.${p}`)]), t('find.platformNone'))),
  h('button', { type: 'submit', class: 'primary', id: 'find-submit' }, t('find.submit')),
  status);

  const mapEl = h('div', { class: 'map', id: 'map' });
  replace(root,
    h('div', { class: 'layout find-layout' },
      h('section', { class: 'panel', 'aria-labelledby': 'find-h' },
        h('h1', { id: 'find-h' }, t('find.heading')),
        h('p', { class: 'demo-note' }, t('common.demoNotice')),
        h('div', { class: 'find-cols' },
          h('div', { class: 'find-side' }, form),
          h('section', { id: 'results', class: 'results', 'aria-labelledby': 'results-h', tabindex: '-1', 'aria-busy': 'false' },
            h('h2', { id: 'results-h' }, state.place ? t('find.resultsFor', { place: placeText(state.place) }) : t('find.results')),
            results))),
      h('div', { class: 'map-wrap' }, mapEl)));

  if (map) map.remove();
  map = createMap(mapEl, {
    onClick: (latlng) => choosePlace({ name: null, country: null, lat: latlng.lat, lng: latlng.lng }),
  });
  layer = L.layerGroup().addTo(map);

  async function runSearch() {
    if (!state.place) {
      replace(status, t('find.needPlace'));
      input.focus();
      return;
    }
    writeUrl();
    const seq = ++searchSeq;
    state.loading = true;
    document.getElementById('results')?.setAttribute('aria-busy', 'true');
    replace(status, t('common.loading'));
    const p = new URLSearchParams({ lat: String(state.place.lat), lng: String(state.place.lng) });
    if (state.age !== '') p.set('age', state.age);
    for (const k of ['gender', 'language', 'platform']) if (state[k]) p.set(k, state[k]);
    if (state.needs.length) p.set('needs', state.needs.join(','));
    try {
      const { data } = await api(`/api/referral?${p}`);
      if (seq !== searchSeq) return;
      state.card = data;
      state.error = null;
    } catch (e) {
      if (seq !== searchSeq) return;
      state.card = null;
      state.error = e.message;
    }
    state.loading = false;
    showCard();
    const section = document.getElementById('results');
    section?.setAttribute('aria-busy', 'false');
    // On a phone the card is below the form: bring it into view (the status line has already announced it).
    if (section && window.matchMedia('(max-width: 1099px)').matches && section.getBoundingClientRect().top > window.innerHeight * 0.6) {
      section.scrollIntoView({ block: 'start' });
    }
    const count = state.card ? countOptions(state.card) : 0;
    replace(status, state.error ? t('common.error', { message: state.error }) : t('find.count', { count }));
  }

  function showCard() {
    replace(document.getElementById('results-h'), state.place ? t('find.resultsFor', { place: placeText(state.place) }) : t('find.results'));
    layer.clearLayers();
    const origin = () => state.place && L.circleMarker([state.place.lat, state.place.lng], { radius: 8, color: '#111827', weight: 3, fillColor: '#fbbf24', fillOpacity: 1 })
      .bindTooltip(tip(t('map.origin'))).addTo(layer);
    if (!state.card) {
      replace(results, state.error ? h('p', { class: 'error', role: 'alert' }, t('common.error', { message: state.error })) : h('p', { class: 'muted' }, t('find.empty')));
      origin();
      return;
    }
    replace(results, renderCard(state.card));
    const bounds = [];
    for (const cat of state.card.categories) {
      for (const option of [cat.best, ...cat.alternatives].filter(Boolean)) {
        const ll = drawOption(option, categoryLabel(categories, cat.category, cat.label));
        if (ll) bounds.push(ll);
      }
    }
    origin();
    if (state.place) bounds.push([state.place.lat, state.place.lng]);
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
    else if (bounds.length === 1) map.setView(bounds[0], 11);
  }

  function renderCard(card) {
    const copyStatus = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const actions = h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'secondary', id: 'print', onclick: () => window.print() }, t('find.print')),
      h('button', {
        type: 'button', class: 'secondary', id: 'copy',
        onclick: async () => {
          const text = cardText(card);
          try {
            await navigator.clipboard.writeText(text);
            replace(copyStatus, t('find.copied'));
          } catch {
            replace(copyStatus, t('find.copyFailed'), h('textarea', { readonly: true, rows: 8, 'aria-label': t('find.copy') }, text));
          }
        },
      }, t('find.copy')),
      copyStatus);
    const sections = [actions, h('p', { class: 'print-only' }, t('find.sheetNotice')),
      card.note ? h('p', { class: 'warning note', id: 'card-note' }, card.note) : null];
    if (card.remote?.length) {
      sections.push(h('section', { class: 'group remote', 'aria-labelledby': 'remote-h' },
        h('h3', { id: 'remote-h' }, t('find.remote')),
        h('ul', { class: 'cards' }, card.remote.map((r) => h('li', {}, remoteCard(r))))));
    }
    if (card.platform_channels?.length) {
      const platform = card.profile?.platform;
      sections.push(h('section', { class: 'group platform', 'aria-labelledby': 'platform-h' },
        h('h3', { id: 'platform-h' }, t('find.platformChannels', { platform: platform ? t(`platform.${platform}`) : '' })),
        h('ul', { class: 'cards' }, card.platform_channels.map((r) => h('li', {}, remoteCard(r))))));
    }
    for (const cat of card.categories) {
      const id = uid('need-h');
      const options = [cat.best, ...cat.alternatives].filter(Boolean);
      sections.push(h('section', { class: 'group need', 'aria-labelledby': id, dataset: { category: cat.category } },
        h('h3', { id }, categoryLabel(categories, cat.category, cat.label)),
        options.length === 0
          ? h('p', { class: 'muted' }, cat.note ? `${t('find.noneFor')} ${cat.note}` : t('find.noneFor'))
          : h('ul', { class: 'cards' }, options.map((o, i) => h('li', {}, optionCard(o, i === 0 && o === cat.best))))));
    }
    return sections;
  }

  function drawOption(option, label) {
    const loc = option.location;
    if (!loc || loc.visibility === 'hidden' || loc.latitude === undefined || loc.longitude === undefined) return null;
    const ll = [loc.latitude, loc.longitude];
    const name = `${option.service?.name ?? ''} (${label})`;
    const shape = loc.visibility === 'approximate'
      ? L.circle(ll, { radius: APPROXIMATE_RADIUS_M, color: '#7c3aed', weight: 2, dashArray: '4 4', fillOpacity: 0.15, className: 'approximate-area' })
        .bindTooltip(tip(`${name} · ${t('map.approximate')}`))
      : L.circleMarker(ll, { radius: 7, color: '#1e3a8a', weight: 2, fillColor: '#3b82f6', fillOpacity: 0.9, className: 'service-marker' })
        .bindTooltip(tip(name));
    shape.addTo(layer);
    return ll;
  }

  function showOnMap(option) {
    const loc = option.location;
    if (loc?.latitude === undefined || loc.visibility === 'hidden') return;
    map.setView([loc.latitude, loc.longitude], loc.visibility === 'approximate' ? 12 : 14);
    mapEl.scrollIntoView({ block: 'nearest' });
  }

  function badges(openNow, service) {
    const open = openNow === true ? ['open', t('card.openNow')] : openNow === false ? ['closed', t('card.closed')] : ['unknown', t('card.hoursUnknown')];
    return h('p', { class: 'badges' },
      h('span', { class: `badge ${open[0]}` }, open[1]),
      service?.is_free ? h('span', { class: 'badge free' }, t('card.free')) : null,
      service?.available_24_7 ? h('span', { class: 'badge always' }, t('card.247')) : null);
  }

  function warnings(service) {
    return [
      service?.verification_status === 'stale' ? h('p', { class: 'warning stale' }, t('card.stale')) : null,
      service?.verification_status === 'unverified' ? h('p', { class: 'warning unverified' }, t('card.unverified')) : null,
    ];
  }

  function phones(list) {
    if (!list?.length) return null;
    return h('p', { class: 'phones' }, h('span', { class: 'label' }, `${t('card.phones')}: `),
      list.map((p, i) => [i > 0 ? ', ' : '', telHref(p.number) ? h('a', { href: telHref(p.number) }, p.number) : p.number,
        p.description ? h('span', { class: 'muted' }, ` (${p.description})`) : null]));
  }

  function languagesLine(service) {
    const codes = (service?.languages ?? []).map((l) => l.code).filter(Boolean);
    if (!codes.length) return null;
    const names = codes.map((c) => (CHILD_LANGUAGES.includes(c) ? t(`language.${c}`) : c));
    return h('p', {}, t('card.languages', { list: names.join(', ') }));
  }

  function optionCard(option, best) {
    const s = option.service ?? {};
    const loc = option.location ?? {};
    const address = loc.addresses?.[0];
    // The API flags sites abroad and far away (issue 12: abroad, far_away, note); older servers: compare countries, 50 km.
    const country = option.country ?? address?.country;
    const origin = state.card?.country ?? state.place?.country;
    const abroad = option.abroad === true || (country && origin && country !== origin);
    const far = 'far_away' in option ? option.far_away === true : option.distance_m > FAR_KM * 1000;
    const web = safeUrl(s.url);
    return h('article', { class: `card${best ? ' best' : ''}`, dataset: { distanceM: String(option.distance_m), serviceId: s.id ?? '' } },
      h('h4', { class: 'name' }, s.name ?? ''),
      best ? h('p', { class: 'badge-best' }, t('find.best')) : h('p', { class: 'badge-alt' }, t('find.alternative')),
      badges(option.open_now, s),
      s.organization?.name ? h('p', { class: 'org' }, t('card.organization', { name: s.organization.name })) : null,
      h('p', { class: 'distance' }, t('card.distance', { distance: formatDistance(option.distance_m) })),
      far ? h('p', { class: 'warning far' }, t('card.farAway')) : null,
      abroad ? h('p', { class: 'warning abroad' }, t('card.abroad', { country: country ?? '' })) : null,
      option.note ? h('p', { class: 'warning note' }, option.note) : null,
      loc.visibility === 'approximate' ? h('p', { class: 'note approximate' }, t('card.approximate')) : null,
      address?.address_1 ? h('p', { class: 'address' }, t('card.address', { address: [address.address_1, address.city].filter(Boolean).join(', ') })) : null,
      phones(option.phones?.length ? option.phones : s.phones),
      languagesLine(s),
      web ? h('p', {}, h('a', { href: web, rel: 'noopener noreferrer' }, t('card.web'))) : null,
      warnings(s),
      loc.latitude !== undefined && loc.visibility !== 'hidden'
        ? h('button', { type: 'button', class: 'link no-print', onclick: () => showOnMap(option) }, t('find.showOnMap'))
        : null);
  }

  function remoteCard(r) {
    const s = r.service ?? {};
    const web = safeUrl(s.url);
    return h('article', { class: 'card remote', dataset: { serviceId: s.id ?? '' } },
      h('h4', { class: 'name' }, s.name ?? ''),
      badges(r.open_now, s),
      s.organization?.name ? h('p', { class: 'org' }, t('card.organization', { name: s.organization.name })) : null,
      r.service_area?.name ? h('p', {}, t('card.area', { area: r.service_area.name })) : null,
      phones(r.phones?.length ? r.phones : s.phones),
      languagesLine(s),
      web ? h('p', {}, h('a', { href: web, rel: 'noopener noreferrer' }, t('card.web'))) : null,
      warnings(s));
  }

  function cardText(card) {
    const lines = [t('text.header', { place: placeText(state.place) }), ''];
    const phoneText = (list) => (list ?? []).map((p) => p.number).join(', ');
    if (card.remote?.length) {
      lines.push(`${t('text.remote')}:`);
      for (const r of card.remote) lines.push(`- ${r.service?.name ?? ''}${phoneText(r.phones) ? `: ${phoneText(r.phones)}` : ''}`);
      lines.push('');
    }
    for (const cat of card.categories) {
      const options = [cat.best, ...cat.alternatives].filter(Boolean);
      if (!options.length) continue;
      lines.push(`${categoryLabel(categories, cat.category, cat.label)}:`);
      for (const o of options) {
        lines.push(`- ${o.service?.name ?? ''} (${formatDistance(o.distance_m)})${phoneText(o.phones) ? `: ${phoneText(o.phones)}` : ''}`);
      }
      lines.push('');
    }
    lines.push(t('find.sheetNotice'));
    return lines.join('\n');
  }

  showCard();
  if (autoSearch && state.place) runSearch();
}

function countOptions(card) {
  return card.categories.reduce((n, c) => n + (c.best ? 1 : 0) + c.alternatives.length, 0) + (card.remote?.length ?? 0) + (card.platform_channels?.length ?? 0);
}

export function leaveFind() {
  if (map) {
    map.remove();
    map = undefined;
  }
}
