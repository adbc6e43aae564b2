// The map supplements the list (never the only place information is). Leaflet draws with SVG, so it needs no WebGL.
// The basemap is offline: country outlines from /api/regions; an online tile layer only when the server configures one.
import L from 'leaflet';
import { api } from './api.js';
import { t } from './i18n.js';

let outlines;
const loadOutlines = () =>
  (outlines ??= api('/api/regions?level=0&with_geometry=true&simplify=0.01')
    .then((r) => r.data)
    .catch(() => {
      outlines = undefined;
      return [];
    }));

function basemapUrl() {
  const url = document.querySelector('meta[name="referral-basemap"]')?.content;
  return url && /^https?:\/\//.test(url) ? url : null;
}

/** A Leaflet map in el with the offline basemap; onClick(latlng) when the map is clicked. */
export function createMap(el, { onClick, center = [9.9, -84.1], zoom = 7 } = {}) {
  const map = L.map(el, { center, zoom, zoomSnap: 0.5, attributionControl: true });
  map.attributionControl.setPrefix(false);
  const tiles = basemapUrl();
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  }
  el.classList.toggle('offline-basemap', !tiles);
  loadOutlines().then((regions) => {
    const features = regions.filter((r) => r.geometry).map((r) => ({ type: 'Feature', geometry: r.geometry, properties: { name: r.name } }));
    if (features.length === 0 || !map._loaded) return;
    L.geoJSON({ type: 'FeatureCollection', features }, {
      interactive: false,
      style: { color: '#6b7280', weight: 1, fillColor: '#f3f4f6', fillOpacity: tiles ? 0 : 1 },
    }).addTo(map).bringToBack();
  });
  if (onClick) map.on('click', (e) => onClick(e.latlng));
  el.setAttribute('aria-label', t('map.label'));
  el.setAttribute('role', 'region');
  return map;
}

/** Tooltip content as a text node: Leaflet puts string content in as HTML, and names come from data. */
export const tip = (text) => {
  const span = document.createElement('span');
  span.textContent = text;
  return span;
};

export { L };
