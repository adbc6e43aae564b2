// regions.geojson: country outlines (Natural Earth 1:50m via world-atlas) for Costa Rica and neighbours.
import { createRequire } from 'node:module';
import { round5, ringArea2 } from './util.mjs';

const require = createRequire(import.meta.url);
const { feature } = require('topojson-client');
const world = require('world-atlas/countries-50m.json');

// ISO 3166-1 numeric (world-atlas feature id) -> alpha-2, English name, approximate population.
// Populations are round figures (approx. 2023-2024), NOT from Natural Earth.
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

export function buildRegions() {
  const all = feature(world, world.objects.countries).features;
  const features = COUNTRIES.map((c) => {
    const f = all.find((x) => x.id === c.numeric);
    if (!f) throw new Error(`world-atlas has no feature with id ${c.numeric} (${c.code})`);
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const coordinates = polys
      .map((poly) => poly.map((ring, i) => cleanRing(ring, i === 0)))
      .filter((poly) => poly[0] !== null)
      .map((poly) => poly.filter((r) => r !== null));
    return {
      type: 'Feature',
      properties: { code: c.code, name: c.name, level: 0, population: c.population },
      geometry: { type: 'MultiPolygon', coordinates },
    };
  });
  return { type: 'FeatureCollection', features };
}

/** GeoJSON text with one feature per line (compact coordinates, readable diff per country). */
export function regionsText(fc) {
  const lines = fc.features.map((f) => JSON.stringify(f));
  return `{"type":"FeatureCollection","features":[\n${lines.join(',\n')}\n]}\n`;
}
