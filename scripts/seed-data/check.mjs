// Validates the generated seed files. Usage (from seed/tools): node check.mjs
// Exits non-zero when a hard rule is broken; prints counts that a reviewer wants to see.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { UUID_V5_RE, parseCsv, haversine, inMultiPolygon, ringArea2 } from './lib/util.mjs';

const seedDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'seed');
const read = (name) => readFileSync(join(seedDir, name), 'utf8');
const errors = [];
const warnings = [];
const fail = (msg) => errors.push(msg);
const warn = (msg) => warnings.push(msg);
const tally = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
const table = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0])))) {
    console.log(`  ${String(k).padEnd(28)} ${v}`);
  }
};

// Costa Rica mainland bounding box (generous; Isla del Coco is not used).
const CR_BBOX = { minLng: -86.0, minLat: 8.0, maxLng: -82.5, maxLat: 11.3 };

// ---------------------------------------------------------------- files and sizes
console.log('Files');
for (const f of ['regions.geojson', 'places.csv', 'provinces.csv', 'taxonomy.json', 'demo-directory.json', 'README.md']) {
  try { console.log(`  ${f.padEnd(22)} ${statSync(join(seedDir, f)).size} bytes`); } catch { fail(`missing seed/${f}`); }
}

// ---------------------------------------------------------------- regions.geojson
const regions = JSON.parse(read('regions.geojson'));
const EXPECTED_COUNTRIES = ['CR', 'NI', 'PA', 'HN', 'SV', 'GT', 'BZ', 'CO'];
if (regions.type !== 'FeatureCollection') fail('regions.geojson is not a FeatureCollection');
const regionCodes = new Set();
let crGeometry = null;
function segmentsIntersect(a, b, c, d) {
  const o = (p, q, r) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const o1 = o(a, b, c), o2 = o(a, b, d), o3 = o(c, d, a), o4 = o(c, d, b);
  return o1 * o2 < 0 && o3 * o4 < 0; // proper crossings only
}
function ringSelfIntersections(ring) {
  let n = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    for (let j = i + 2; j < ring.length - 1; j++) {
      if (i === 0 && j === ring.length - 2) continue; // adjacent through the closing point
      if (segmentsIntersect(ring[i], ring[i + 1], ring[j], ring[j + 1])) n++;
    }
  }
  return n;
}
for (const f of regions.features) {
  const p = f.properties ?? {};
  regionCodes.add(p.code);
  if (!p.code || !p.name || p.level !== 0) fail(`region feature lacks code/name/level 0: ${JSON.stringify(p)}`);
  if ('parent_code' in p && p.parent_code !== undefined) fail(`region ${p.code}: parent_code should be omitted`);
  if (f.geometry?.type !== 'MultiPolygon') fail(`region ${p.code}: geometry is ${f.geometry?.type}, expected MultiPolygon`);
  let rings = 0, points = 0, crossings = 0;
  for (const poly of f.geometry.coordinates) {
    poly.forEach((ring, i) => {
      rings++; points += ring.length;
      const [a, b] = [ring[0], ring[ring.length - 1]];
      if (ring.length < 4) fail(`region ${p.code}: ring with ${ring.length} points`);
      if (a[0] !== b[0] || a[1] !== b[1]) fail(`region ${p.code}: ring not closed`);
      for (const [x, y] of ring) {
        if (Math.round(x * 1e5) / 1e5 !== x || Math.round(y * 1e5) / 1e5 !== y) { fail(`region ${p.code}: coordinate not rounded to 5 decimals`); break; }
      }
      // A ring stitched across the antimeridian (Fiji, Chukotka) jumps from +180 to -180: the loader cuts it there.
      if (ring.some((q, k) => k > 0 && Math.abs(q[0] - ring[k - 1][0]) > 180)) {
        warn(`region ${p.code}: a ring crosses the antimeridian (cut at load)`);
        return;
      }
      if ((ringArea2(ring) > 0) !== (i === 0)) warn(`region ${p.code}: ring ${i} winding is not RFC 7946`);
      crossings += ringSelfIntersections(ring);
    });
  }
  if (crossings) fail(`region ${p.code}: ${crossings} self-intersections`);
  console.log(`  region ${p.code} ${p.name.padEnd(12)} polygons=${f.geometry.coordinates.length} rings=${rings} points=${points} population=${p.population ?? '-'}`);
  if (p.code === 'CR') crGeometry = f.geometry;
}
for (const c of EXPECTED_COUNTRIES) if (!regionCodes.has(c)) fail(`regions.geojson lacks ${c}`);
if (regionCodes.size < 230) fail(`regions.geojson has ${regionCodes.size} countries; expected every country (235)`);

// ---------------------------------------------------------------- places.csv and provinces.csv
const placeRows = parseCsv(read('places.csv'));
const placesHeader = placeRows.shift().join(',');
if (placesHeader !== 'geonames_id,name,country,admin1_code,feature_code,population,lat,lng') fail(`places.csv header: ${placesHeader}`);
const places = placeRows.map((r) => ({ geonames_id: Number(r[0]), name: r[1], country: r[2], admin1: r[3], feature_code: r[4], population: Number(r[5]), lat: Number(r[6]), lng: Number(r[7]), raw: r }));
const placeById = new Map(places.map((p) => [p.geonames_id, p]));
places.forEach((p, i) => {
  if (p.raw.length !== 8) fail(`places.csv row ${i + 2}: ${p.raw.length} columns`);
  if (!/^[A-Z]{2}$/.test(p.country)) fail(`places.csv row ${i + 2}: country ${p.country}`);
  if (p.country !== 'CR' && p.population < 15000) fail(`places.csv row ${i + 2}: ${p.country} town under 15,000 people`);
  if (i > 0 && places[i - 1].geonames_id >= p.geonames_id) fail(`places.csv not sorted/unique at ${p.geonames_id}`);
  if (!/^-?\d+\.\d{5}$/.test(p.raw[6]) || !/^-?\d+\.\d{5}$/.test(p.raw[7])) fail(`places.csv ${p.geonames_id}: coordinates not 5 decimals`);
  if (p.country === 'CR' && (p.lng < CR_BBOX.minLng || p.lng > CR_BBOX.maxLng || p.lat < CR_BBOX.minLat || p.lat > CR_BBOX.maxLat)) fail(`places.csv ${p.geonames_id} outside CR bbox`);
  if (Math.abs(p.lat) > 90 || Math.abs(p.lng) > 180) fail(`places.csv ${p.geonames_id}: coordinates out of range`);
});
const provRows = parseCsv(read('provinces.csv'));
if (provRows.shift().join(',') !== 'code,name,country,geonames_admin1') fail('provinces.csv header');
const provinceByCode = new Map(provRows.map((r) => [r[0], { code: r[0], name: r[1], admin1: r[3] }]));
const provinceByAdmin1 = new Map(provRows.map((r) => [r[3], r[0]]));
const crPlaces = places.filter((p) => p.country === 'CR');
for (const p of crPlaces) if (!provinceByAdmin1.has(p.admin1)) fail(`places.csv ${p.geonames_id}: admin1 ${p.admin1} not in provinces.csv`);
const placesPerProvince = new Map();
for (const p of crPlaces) tally(placesPerProvince, provinceByAdmin1.get(p.admin1));
console.log(`\nplaces.csv: ${places.length} places (${crPlaces.length} in CR, ${new Set(places.map((p) => p.country)).size} countries); provinces.csv: ${provinceByCode.size} provinces`);
table('Places per province', placesPerProvince);

// ---------------------------------------------------------------- taxonomy.json
const taxonomy = JSON.parse(read('taxonomy.json'));
const EXPECTED_TERMS = ['police', 'helpline', 'legal_aid', 'social_services', 'health', 'psychosocial', 'shelter', 'online_reporting', 'justice'];
const allIds = new Map(); // id -> where
const seeId = (id, where) => {
  if (typeof id !== 'string' || !UUID_V5_RE.test(id)) fail(`${where}: id ${id} is not a lowercase RFC 4122 v5 UUID`);
  if (allIds.has(id)) fail(`duplicate id ${id} (${where} and ${allIds.get(id)})`);
  allIds.set(id, where);
};
const tax = taxonomy.taxonomies?.[0];
if (!tax || tax.name !== 'referral-category') fail('taxonomy.json: first taxonomy is not referral-category');
seeId(tax.id, 'taxonomy');
const termCodes = tax.terms.map((t) => t.code);
if (termCodes.join() !== EXPECTED_TERMS.join()) fail(`taxonomy term codes/order: ${termCodes.join()}`);
for (const t of tax.terms) {
  seeId(t.id, `term ${t.code}`);
  for (const lang of ['en', 'es', 'pt', 'fr']) if (!t.labels?.[lang]) fail(`term ${t.code}: missing label ${lang}`);
}
const termSet = new Set(termCodes);

// ---------------------------------------------------------------- demo-directory.json
const demo = JSON.parse(read('demo-directory.json'));
if (demo.demo !== true) fail('demo-directory.json: demo must be true');
if (!/^DEMO DATA/.test(demo.notice ?? '')) fail('demo-directory.json: notice missing');
const orgIds = new Set();
for (const o of demo.organizations) {
  seeId(o.id, `organization ${o.name}`);
  orgIds.add(o.id);
  if (!o.name.startsWith('[DEMO] ')) fail(`organization name without [DEMO]: ${o.name}`);
  if (!/@example\.org$/.test(o.email)) fail(`organization email not on example.org: ${o.email}`);
  if (!/^https:\/\/([a-z0-9-]+\.)*example\.org(\/|$)/.test(o.website)) fail(`organization website not on example.org: ${o.website}`);
}
const locById = new Map();
const CV_BOX = { minLat: 9.6, maxLat: 10.25, minLng: -84.6, maxLng: -83.6 };
const isCentralValley = (prov, lat, lng) => ['CR-SJ', 'CR-H', 'CR-A', 'CR-C'].includes(prov)
  && lat >= CV_BOX.minLat && lat <= CV_BOX.maxLat && lng >= CV_BOX.minLng && lng <= CV_BOX.maxLng;
const visibilityCount = new Map();
let outsidePolygon = 0;
let maxJitter = 0;
for (const l of demo.locations) {
  seeId(l.id, `location ${l.name}`);
  locById.set(l.id, l);
  tally(visibilityCount, l.visibility);
  if (!orgIds.has(l.organization_id)) fail(`location ${l.name}: unknown organization_id`);
  if (!['public', 'approximate', 'hidden'].includes(l.visibility)) fail(`location ${l.name}: visibility ${l.visibility}`);
  if (l.location_type !== 'physical') fail(`location ${l.name}: location_type ${l.location_type}`);
  const { latitude: lat, longitude: lng } = l;
  if (!(lng >= CR_BBOX.minLng && lng <= CR_BBOX.maxLng && lat >= CR_BBOX.minLat && lat <= CR_BBOX.maxLat)) fail(`location ${l.name}: (${lat}, ${lng}) outside Costa Rica bbox`);
  if (Math.round(lat * 1e5) / 1e5 !== lat || Math.round(lng * 1e5) / 1e5 !== lng) fail(`location ${l.name}: coordinates not rounded to 5 decimals`);
  if (!inMultiPolygon(lng, lat, crGeometry)) outsidePolygon++;
  const p = placeById.get(l.geonames_id);
  if (!p) { fail(`location ${l.name}: geonames_id ${l.geonames_id} not in places.csv`); continue; }
  const d = haversine(lat, lng, p.lat, p.lng);
  maxJitter = Math.max(maxJitter, d);
  if (d > 350) fail(`location ${l.name}: ${Math.round(d)} m from its GeoNames town`);
  const a = l.address ?? {};
  if (a.country !== 'CR') fail(`location ${l.name}: address.country ${a.country}`);
  if (!provinceByCode.has(a.region)) fail(`location ${l.name}: address.region ${a.region} not a province code`);
  if (provinceByAdmin1.get(p.admin1) !== a.region) fail(`location ${l.name}: region ${a.region} does not match the town's province`);
  if (provinceByCode.get(a.region)?.name !== a.state_province) fail(`location ${l.name}: state_province ${a.state_province} does not match ${a.region}`);
  if (a.city !== p.name) fail(`location ${l.name}: city ${a.city} is not the GeoNames name ${p.name}`);
  if (l.visibility !== 'public' && a.address_1) fail(`location ${l.name}: ${l.visibility} location has a street address`);
  if (l.visibility === 'public' && !a.address_1) fail(`location ${l.name}: public location without address_1`);
}

const DELIVERY = new Set(['in_person', 'phone', 'sms', 'whatsapp', 'chat', 'email', 'online_form', 'outreach']);
const STATUS = new Set(['active', 'inactive', 'defunct', 'temporarily closed']);
const AUDIENCE = new Set(['child', 'caregiver', 'professional']);
const PLATFORMS = new Set(['facebook', 'whatsapp', 'tiktok', 'instagram', 'telegram', 'snapchat', 'youtube', 'x', 'games']);
const DAYS = new Set(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']);
const PHONE_RE = /^\+50600000\d{3}$/;
const perCategory = new Map();
const perProvince = new Map();
const perStatus = new Map();
const perLanguage = new Map();
const perGender = new Map();
const perMode = new Map();
const usedLocations = new Set();
const phoneNumbers = new Map();
let remote = 0, remoteNational = 0, regional = 0, h24 = 0, crossMidnight = 0, saturday = 0, evening = 0, paid = 0;
let cvServices = 0, locatedServices = 0;
const assuredDates = [];
for (const s of demo.services) {
  const where = `service ${s.name}`;
  seeId(s.id, where);
  if (!s.name.startsWith('[DEMO] ')) fail(`${where}: name without [DEMO]`);
  if (!orgIds.has(s.organization_id)) fail(`${where}: unknown organization_id`);
  if (!STATUS.has(s.status)) fail(`${where}: status ${s.status}`);
  tally(perStatus, s.status);
  if (!Array.isArray(s.categories) || s.categories.length === 0) fail(`${where}: no categories`);
  for (const c of s.categories) { if (!termSet.has(c)) fail(`${where}: category ${c} not in taxonomy`); tally(perCategory, c); }
  if (!(Number.isInteger(s.minimum_age) && Number.isInteger(s.maximum_age) && s.minimum_age <= s.maximum_age)) fail(`${where}: bad age range`);
  for (const m of s.delivery_modes) { if (!DELIVERY.has(m)) fail(`${where}: delivery mode ${m}`); tally(perMode, m); }
  for (const a of s.audience) if (!AUDIENCE.has(a)) fail(`${where}: audience ${a}`);
  for (const pf of s.platforms) if (!PLATFORMS.has(pf)) fail(`${where}: platform ${pf}`);
  for (const lg of s.languages) { if (!/^[a-z]{2,3}$/.test(lg)) fail(`${where}: language ${lg}`); tally(perLanguage, lg); }
  tally(perGender, s.genders.join('+'));
  if (!s.is_free) { paid++; if (!s.fees_description) fail(`${where}: not free but no fees_description`); }
  if (s.url && !/^https:\/\/([a-z0-9-]+\.)*example\.org(\/|$)/.test(s.url)) fail(`${where}: url not on example.org`);
  if (s.email && !/@example\.org$/.test(s.email)) fail(`${where}: email not on example.org`);
  if (!/@example\.org$/.test(s.assurer_email)) fail(`${where}: assurer_email not on example.org`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s.assured_date) || s.assured_date < '2024-06-01' || s.assured_date > '2026-11-01') fail(`${where}: assured_date ${s.assured_date}`);
  assuredDates.push(s.assured_date);
  // locations
  for (const lid of s.location_ids) {
    const l = locById.get(lid);
    if (!l) { fail(`${where}: location ${lid} does not exist`); continue; }
    usedLocations.add(lid);
    if (l.visibility === 'hidden' && !s.service_areas.length) fail(`${where}: hidden location but no service area`);
  }
  if (s.location_ids.length === 0) {
    remote++;
    if (!s.service_areas.length) fail(`${where}: no location and no service area`);
    if (s.service_areas.some((a) => a.region_codes.includes('CR'))) remoteNational++;
  } else {
    locatedServices++;
    const l = locById.get(s.location_ids[0]);
    if (l) {
      tally(perProvince, l.address.region);
      if (isCentralValley(l.address.region, l.latitude, l.longitude)) cvServices++;
    }
  }
  for (const a of s.service_areas) {
    seeId(a.id, `${where} service_area`);
    for (const c of a.region_codes) if (!(regionCodes.has(c) || provinceByCode.has(c))) fail(`${where}: region code ${c} unknown`);
    if (a.region_codes.some((c) => provinceByCode.has(c))) regional++;
  }
  // phones
  for (const ph of s.phones) {
    seeId(ph.id, `${where} phone`);
    if (!PHONE_RE.test(ph.number)) fail(`${where}: phone ${ph.number} not of the form +50600000NNN`);
    if (phoneNumbers.has(ph.number)) fail(`phone ${ph.number} used twice`);
    phoneNumbers.set(ph.number, s.id);
    if (!['voice', 'sms', 'whatsapp', 'text', 'fax'].includes(ph.type)) fail(`${where}: phone type ${ph.type}`);
  }
  // schedules
  if (s.available_24_7) h24++;
  if (!s.available_24_7 && s.schedules.length === 0) fail(`${where}: not 24/7 and no schedule`);
  for (const sc of s.schedules) {
    seeId(sc.id, `${where} schedule`);
    if (!sc.byday.split(',').every((d) => DAYS.has(d))) fail(`${where}: byday ${sc.byday}`);
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(sc.opens_at) || !/^([01]\d|2[0-3]):[0-5]\d$/.test(sc.closes_at)) fail(`${where}: bad time ${sc.opens_at}-${sc.closes_at}`);
    if (sc.timezone !== 'America/Costa_Rica') fail(`${where}: timezone ${sc.timezone}`);
    if (sc.closes_at < sc.opens_at) crossMidnight++;
    if (sc.byday.includes('SA') && !s.available_24_7) saturday++;
    if (sc.closes_at >= '20:00' && !s.available_24_7) evening++;
  }
}
for (const l of demo.locations) if (!usedLocations.has(l.id)) fail(`location ${l.name} is not used by any service`);

console.log(`\ndemo-directory.json: ${demo.organizations.length} organizations, ${demo.locations.length} locations, ${demo.services.length} services`);
table('Services per category (a service may have several)', perCategory);
table('Located services per province (first location)', perProvince);
console.log(`  ${'(no location: area only)'.padEnd(28)} ${remote}`);
console.log(`\nCentral Valley share of located services: ${cvServices}/${locatedServices} = ${(100 * cvServices / locatedServices).toFixed(1)}%`);
table('Services per status', perStatus);
table('Locations per visibility', visibilityCount);
table('Services per language', perLanguage);
table('Services per genders', perGender);
table('Services per delivery mode', perMode);
const sortedDates = [...assuredDates].sort();
const stale = assuredDates.filter((d) => d < '2025-06-01').length;
console.log(`\nOther facts`);
console.log(`  available 24/7                 ${h24}`);
console.log(`  schedules crossing midnight    ${crossMidnight}`);
console.log(`  schedules with Saturday hours  ${saturday}`);
console.log(`  schedules closing >= 20:00     ${evening}`);
console.log(`  services not free              ${paid}`);
console.log(`  remote services (no location)  ${remote} (${remoteNational} national, region-coded areas on ${regional} services)`);
console.log(`  phone numbers (unique)         ${phoneNumbers.size}`);
console.log(`  assured_date range             ${sortedDates[0]} .. ${sortedDates[sortedDates.length - 1]} (${stale} before 2025-06-01)`);
console.log(`  max jitter from GeoNames town  ${Math.round(maxJitter)} m`);
console.log(`  locations outside the 1:50m CR outline (coastal towns) ${outsidePolygon}`);
console.log(`  uuids checked (all files)      ${allIds.size}`);

// ---------------------------------------------------------------- gap: towns far from police / shelter / legal aid
const GAP_KM = 40;
const catPoints = (cat) => demo.services
  .filter((s) => s.status === 'active' && s.categories.includes(cat))
  .flatMap((s) => s.location_ids.map((id) => locById.get(id)).filter(Boolean));
const nearestKm = (p, pts) => Math.min(...pts.map((l) => haversine(p.lat, p.lng, l.latitude, l.longitude))) / 1000;
const gapCats = ['police', 'shelter', 'legal_aid'];
const pts = Object.fromEntries(gapCats.map((c) => [c, catPoints(c)]));
const farFromAll = crPlaces
  .filter((p) => p.population > 0)
  .map((p) => ({ p, d: Object.fromEntries(gapCats.map((c) => [c, nearestKm(p, pts[c])])) }))
  .filter((x) => gapCats.every((c) => x.d[c] > GAP_KM))
  .sort((a, b) => b.p.population - a.p.population);
console.log(`\nTowns with population > 0 farther than ${GAP_KM} km from every active police, shelter and legal_aid location: ${farFromAll.length}`);
for (const { p, d } of farFromAll) {
  console.log(`  ${p.name.padEnd(16)} ${provinceByAdmin1.get(p.admin1).padEnd(6)} pop ${String(p.population).padStart(6)}  police ${d.police.toFixed(0).padStart(3)} km  shelter ${d.shelter.toFixed(0).padStart(3)} km  legal_aid ${d.legal_aid.toFixed(0).padStart(3)} km`);
}

// ---------------------------------------------------------------- rules from the brief
const hidden = demo.services.filter((s) => s.categories.includes('shelter') && s.location_ids.some((id) => locById.get(id)?.visibility === 'hidden'));
const approximate = demo.services.filter((s) => s.categories.includes('shelter') && s.location_ids.some((id) => locById.get(id)?.visibility === 'approximate'));
const onlineWithPlatforms = demo.services.filter((s) => s.categories.includes('online_reporting') && s.platforms.length > 0);
if (demo.services.length < 160) fail(`only ${demo.services.length} services (need >= 160)`);
for (const c of EXPECTED_TERMS) if (!perCategory.get(c)) fail(`no service in category ${c}`);
if ((perCategory.get('shelter') ?? 0) < 6) fail('fewer than 6 shelters');
if (hidden.length < 3) fail('fewer than 3 hidden shelters');
if (approximate.length < 1) fail('no approximate shelter');
if (remoteNational < 6) fail('fewer than 6 national services without location');
if (regional < 1) fail('no regional (province-coded) service area');
if (crossMidnight < 2) fail('fewer than 2 schedules crossing midnight');
if (onlineWithPlatforms.length < 4) fail('fewer than 4 online reporting services with platforms');
if (!perStatus.get('inactive') || perStatus.get('temporarily closed') !== 1) fail('need some inactive and exactly one temporarily closed service');
if (!perLanguage.get('bzd') || !perLanguage.get('cjp')) fail('no Bribri (bzd) or Cabécar (cjp) service');
if (farFromAll.length < 3) fail('fewer than 3 rural towns far from police/shelter/legal aid');
if (!demo.services.some((s) => /[áéíóúñ]/i.test(s.description))) fail('no accented text in descriptions');

console.log(`\nShelters: ${perCategory.get('shelter')} (hidden ${hidden.length}, approximate ${approximate.length}); online reporting with platforms: ${onlineWithPlatforms.length}`);
for (const w of warnings) console.log(`WARNING: ${w}`);
if (errors.length) {
  console.log(`\nFAILED: ${errors.length} error(s)`);
  for (const e of errors.slice(0, 50)) console.log(`  - ${e}`);
  process.exit(1);
}
console.log('\nOK: all checks passed');
