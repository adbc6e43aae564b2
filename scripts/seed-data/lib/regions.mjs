// regions.geojson: every country's outline (Natural Earth 1:50m via world-atlas), ISO 3166-1 alpha-2 codes.
import { createRequire } from 'node:module';
import { round5, ringArea2 } from './util.mjs';

const require = createRequire(import.meta.url);
const { feature, merge } = require('topojson-client');
const world = require('world-atlas/countries-50m.json');
const iso = require('i18n-iso-countries');

// Natural Earth units without an ISO 3166-1 numeric id in world-atlas. ISO 3166 counts Somaliland as part of Somalia
// and Northern Cyprus as part of Cyprus, so their outlines are merged into those countries (a helpline of the country
// then reaches them); Kosovo has the user-assigned code XK that the EU and the World Bank use; the Indian Ocean
// Territories and the Siachen Glacier are left out (no single ISO code).
const UNNUMBERED = { Somaliland: '706', 'N. Cyprus': '196', Kosovo: 'XK' };

// Hand-added approximate populations (round 2023-2024 figures) of the demo's countries, NOT from Natural Earth;
// other countries have no population in the seed.
export const COUNTRIES = [
  { numeric: '188', code: 'CR', name: 'Costa Rica', population: 5200000 },
  { numeric: '558', code: 'NI', name: 'Nicaragua', population: 6900000 },
  { numeric: '591', code: 'PA', name: 'Panama', population: 4400000 },
  { numeric: '340', code: 'HN', name: 'Honduras', population: 10600000 },
  { numeric: '222', code: 'SV', name: 'El Salvador', population: 6300000 },
  { numeric: '320', code: 'GT', name: 'Guatemala', population: 17600000 },
  { numeric: '084', code: 'BZ', name: 'Belize', population: 410000 },
  { numeric: '170', code: 'CO', name: 'Colombia', population: 52000000 },
];

/** Round to 5 decimals, drop consecutive duplicates, keep the ring closed, RFC 7946 winding. */
function cleanRing(ring, exterior) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [round5(x), round5(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) out.push([first[0], first[1]]);
  if (out.length < 4) return null;
  const ccw = ringArea2(out) > 0;
  // RFC 7946 section 3.1.6: exterior rings counter-clockwise, holes clockwise.
  if (ccw !== exterior) out.reverse();
  return out;
}

/** The ISO 3166-1 alpha-2 code of a world-atlas geometry (numeric id, or one of UNNUMBERED), or null to leave it out. */
function alpha2Of(g) {
  const id = g.id ?? UNNUMBERED[g.properties?.name];
  if (!id) return null;
  if (/^[A-Z]{2}$/.test(id)) return id;
  return iso.numericToAlpha2(id) ?? null;
}

export function buildRegions() {
  // Group the TopoJSON geometries by country and merge each group along shared arcs (an exact union: Australia's two
  // units, Somalia with Somaliland, Cyprus with Northern Cyprus).
  const groups = new Map();
  for (const g of world.objects.countries.geometries) {
    const code = alpha2Of(g);
    // Antarctica's ring runs round the pole, which a flat (multi)polygon cannot hold; nobody is referred there.
    if (!code || code === 'AQ') continue;
    if (!groups.has(code)) groups.set(code, []);
    groups.get(code).push(g);
  }
  const known = new Map(COUNTRIES.map((c) => [c.code, c]));
  const features = [...groups.keys()].sort().map((code) => {
    const members = groups.get(code);
    const geometry = members.length === 1 ? feature(world, members[0]).geometry : merge(world, members);
    const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    const coordinates = polys
      .map((poly) => poly.map((ring, i) => cleanRing(ring, i === 0)))
      .filter((poly) => poly[0] !== null)
      .map((poly) => poly.filter((r) => r !== null));
    const c = known.get(code);
    const name = c?.name ?? (code === 'XK' ? 'Kosovo' : iso.getName(code, 'en'));
    if (!name) throw new Error(`no English name for ${code}`);
    const properties = { code, name, level: 0 };
    if (c) properties.population = c.population;
    return { type: 'Feature', properties, geometry: { type: 'MultiPolygon', coordinates } };
  });
  for (const c of COUNTRIES) if (!groups.has(c.code)) throw new Error(`world-atlas has no outline for ${c.code}`);
  return { type: 'FeatureCollection', features };
}

/** GeoJSON text with one feature per line (compact coordinates, readable diff per country). */
export function regionsText(fc) {
  const lines = fc.features.map((f) => JSON.stringify(f));
  return `{"type":"FeatureCollection","features":[\n${lines.join(',\n')}\n]}\n`;
}
