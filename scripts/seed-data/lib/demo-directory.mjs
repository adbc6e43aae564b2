// demo-directory.json: a FICTIONAL directory of services for Costa Rica, placed at real GeoNames towns.
import { uuidv5, rngFor, round5, slug, offsetPoint, inMultiPolygon } from './util.mjs';
import { PROVINCES, PROVINCE_BY_ADMIN1 } from './places.mjs';
import { ORGS } from './demo-orgs.mjs';
import { KINDS } from './demo-kinds.mjs';
import { REMOTE } from './demo-remote.mjs';
import { PLAN, TOURIST_TOWNS } from './demo-plan.mjs';

const PROVINCE_BY_CODE = Object.fromEntries(PROVINCES.map((p) => [p.code, p]));

const TZ = 'America/Costa_Rica';
const WEEKDAYS = 'MO,TU,WE,TH,FR';
const ALL_DAYS = 'MO,TU,WE,TH,FR,SA,SU';
const NOTICE = 'DEMO DATA - fictional services for demonstration only. Do not use for real referrals.';
const ASSURERS = ['verifier@example.org', 'verificacion@example.org', 'datos@example.org'];
const ASSURED_FROM = Date.UTC(2024, 5, 1); // 2024-06-01
const ASSURED_TO = Date.UTC(2026, 10, 1); // 2026-11-01
const MAX_JITTER_M = 300;

/** MIDEPLAN planning region of a town (used to name confidential shelters without naming the town). */
function planningRegion(p) {
  switch (p.admin1_code) {
    case '03': return 'Chorotega';
    case '06': return 'Huetar Caribe';
    case '07': return p.lat < 9.4 ? 'Brunca' : 'Pacífico Central';
    case '08': return p.lat < 9.45 ? 'Brunca' : 'Central';
    case '01': return p.lat > 10.28 ? 'Huetar Norte' : 'Central';
    case '04': return p.lat > 10.3 ? 'Huetar Norte' : 'Central';
    default: return 'Central';
  }
}

/** Weekly opening hours for an `hours` pattern. Returns { available_24_7, schedules: [...] } without ids. */
function hoursFor(pattern, r) {
  const s = (byday, opens_at, closes_at, description) => ({ byday, opens_at, closes_at, timezone: TZ, description });
  const office = () => s(WEEKDAYS, r.pick(['07:00', '07:30', '08:00']), r.pick(['15:30', '16:00', '16:30', '17:00']), 'Lunes a viernes');
  const full24 = () => s(ALL_DAYS, '00:00', '23:59', 'Abierto las 24 horas, todos los días');
  switch (pattern) {
    case 'h24': return { available_24_7: true, schedules: r.chance(0.5) ? [full24()] : [] };
    case 'h24_listed': return { available_24_7: true, schedules: [full24()] };
    case 'h24_none': return { available_24_7: true, schedules: [] };
    case 'office': return { available_24_7: false, schedules: [office()] };
    case 'office_sat': return { available_24_7: false, schedules: [office(), s('SA', '08:00', r.pick(['12:00', '13:00']), 'Sábados por la mañana')] };
    case 'office_evening': return { available_24_7: false, schedules: [office(), s(r.pick(['MO,WE', 'TU,TH']), '17:00', '20:00', 'Atención vespertina con cita')] };
    case 'clinic_evening': return { available_24_7: false, schedules: [s(WEEKDAYS, '07:00', '16:00', 'Consulta diurna'), s(WEEKDAYS, '16:00', '22:00', 'Consulta vespertina y urgencias menores')] };
    case 'court': return { available_24_7: false, schedules: [s(WEEKDAYS, '07:30', '16:30', 'Lunes a viernes (horario judicial)')] };
    case 'extended': return { available_24_7: false, schedules: [s('MO,TU,WE,TH,FR,SA', '06:00', '22:00', 'Lunes a sábado, horario ampliado')] };
    case 'daily_extended': return { available_24_7: false, schedules: [s(ALL_DAYS, '08:00', '22:00', 'Todos los días, incluidos feriados')] };
    case 'youth': return { available_24_7: false, schedules: [s(WEEKDAYS, '14:00', '20:00', 'Tardes de lunes a viernes'), s('SA', '09:00', '13:00', 'Sábados por la mañana')] };
    case 'weekly_evening': {
      const day = r.pick([['TU', 'Martes'], ['WE', 'Miércoles'], ['TH', 'Jueves']]);
      return { available_24_7: false, schedules: [s(day[0], '18:00', '20:00', `${day[1]} por la noche (sesión grupal)`)] };
    }
    case 'night_weekend': return { available_24_7: false, schedules: [s('FR,SA', '20:00', '02:00', 'Viernes y sábado por la noche (cierra a las 02:00 del día siguiente)')] };
    case 'night_tourist': return { available_24_7: false, schedules: [s('TH,FR,SA', '20:00', '02:00', 'Jueves a sábado por la noche (cierra a las 02:00 del día siguiente)')] };
    case 'night_daily': return { available_24_7: false, schedules: [s(ALL_DAYS, '20:00', '02:00', 'Todas las noches de 20:00 a 02:00 del día siguiente')] };
    default: throw new Error(`unknown hours pattern ${pattern}`);
  }
}

function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

const STREETS = ['Avenida Demo', 'Calle Ficticia', 'Avenida Ejemplo', 'Calle Modelo', 'Avenida Muestra'];
const LANDMARKS = [
  '100 m al norte del parque central',
  '200 m al este de la iglesia católica',
  '50 m al sur de la escuela pública',
  'frente a la plaza de deportes',
  'costado oeste del mercado municipal',
  '300 m al oeste del Banco Demo',
  '75 m al norte de la parada de autobuses',
];

export function buildDemoDirectory({ places, crGeometry }) {
  const placeById = new Map(places.map((p) => [p.geonames_id, p]));
  const usedOrgs = new Set();
  const locations = [];
  const locationByKey = new Map();
  const services = [];
  const serviceByKey = new Map();

  const orgId = (key) => {
    if (!ORGS[key]) throw new Error(`unknown organization ${key}`);
    usedOrgs.add(key);
    return uuidv5(`organization:${key}`);
  };

  function makeLocation(siteKey, orgKey, p, t, siteName, visibility) {
    if (locationByKey.has(siteKey)) return locationByKey.get(siteKey);
    const r = rngFor(`location:${siteKey}`);
    // Deterministic jitter of up to ~300 m, kept on land when the town itself is on land.
    let [lat, lng] = [p.lat, p.lng];
    const townOnLand = inMultiPolygon(p.lng, p.lat, crGeometry);
    for (let attempt = 0; attempt < 12; attempt++) {
      const [la, ln] = offsetPoint(p.lat, p.lng, MAX_JITTER_M * Math.sqrt(r()), 360 * r());
      if (!townOnLand || inMultiPolygon(ln, la, crGeometry)) { [lat, lng] = [la, ln]; break; }
    }
    const confidential = visibility !== 'public';
    const loc = {
      id: uuidv5(`location:${siteKey}`),
      organization_id: orgId(orgKey),
      name: `[DEMO] ${siteName}`,
      location_type: 'physical',
      latitude: round5(lat),
      longitude: round5(lng),
      visibility,
      geonames_id: p.geonames_id,
      address: {
        address_1: confidential ? null : `${r.pick(STREETS)} ${r.int(1, 40)}, ${r.pick(LANDMARKS)}`,
        city: p.name,
        state_province: t.province.name,
        region: t.province.code,
        postal_code: confidential ? null : p.district_code,
        country: 'CR',
      },
    };
    locationByKey.set(siteKey, loc);
    locations.push(loc);
    return loc;
  }

  function makeService(skey, spec, { status, townSlug }) {
    const org = ORGS[spec.org];
    const r = rngFor(`service:${skey}`);
    const h = hoursFor(spec.hours, r);
    const assured = ASSURED_FROM + Math.floor(r() * ((ASSURED_TO - ASSURED_FROM) / 86400000 + 1)) * 86400000;
    const kindSlug = slug(spec.kindLabel);
    const svc = {
      id: uuidv5(`service:${skey}`),
      organization_id: orgId(spec.org),
      name: spec.name,
      alternate_name: spec.alternate_name ?? null,
      description: spec.description,
      status: status ?? spec.status ?? 'active',
      url: `https://${org.slug}.example.org/servicios/${slug(spec.name.replace('[DEMO]', '')).slice(0, 90).replace(/-+$/, '')}`,
      email: `${org.slug}.${townSlug ? townSlug.replace(/-/g, '') : kindSlug.replace(/-/g, '')}@example.org`,
      categories: spec.categories,
      eligibility_description: spec.eligibility_description,
      minimum_age: spec.minimum_age,
      maximum_age: spec.maximum_age,
      genders: spec.genders ?? ['any'],
      is_free: spec.is_free ?? true,
      fees_description: spec.fees_description ?? (spec.is_free === false ? null : 'Gratuito.'),
      interpretation_services: spec.interpretation_services ?? null,
      application_process: spec.application_process,
      delivery_modes: spec.delivery_modes,
      available_24_7: h.available_24_7,
      languages: spec.languages,
      audience: spec.audience,
      platforms: spec.platforms ?? [],
      assured_date: isoDate(assured),
      assurer_email: r.pick(ASSURERS),
      location_ids: [],
      phones: [],
      schedules: h.schedules.map((sc, i) => ({ id: uuidv5(`schedule:${skey}:${i}`), ...sc })),
      service_areas: (spec.areas ?? []).map((a, i) => ({ id: uuidv5(`service-area:${skey}:${i}`), name: a.name, region_codes: a.region_codes })),
    };
    services.push(svc);
    serviceByKey.set(skey, svc);
    return svc;
  }

  // Town names that occur more than once in the plan get their province appended in display names.
  const planNames = PLAN.map(([gid]) => placeById.get(gid)?.name);
  const ambiguous = new Set(planNames.filter((n, i) => planNames.indexOf(n) !== i));

  // Located services, following the plan.
  for (const [gid, ...entries] of PLAN) {
    const p = placeById.get(gid);
    if (!p) throw new Error(`GeoNames id ${gid} is not in places.csv`);
    const province = PROVINCE_BY_ADMIN1[p.admin1_code];
    const t = {
      geonames_id: gid,
      name: ambiguous.has(p.name) ? `${p.name} (${province.name})` : p.name, // display name
      population: p.population,
      province,
      planningRegion: planningRegion(p),
      tourist: TOURIST_TOWNS.has(gid),
    };
    for (const entry of entries) {
      const [kind, opts = {}] = Array.isArray(entry) ? entry : [entry, {}];
      if (!KINDS[kind]) throw new Error(`unknown service kind ${kind}`);
      const visibility = opts.visibility ?? 'public';
      const skey = opts.group ? `${kind}:${opts.group}` : `${kind}:${gid}:${visibility}`;
      const r = rngFor(`spec:${skey}`);
      const tt = opts.regionLabel ? { ...t, planningRegion: opts.regionLabel } : t;
      const spec = { ...KINDS[kind](tt, r, { ...opts, visibility }), kindLabel: kind };
      const loc = makeLocation(`${spec.org}:${gid}:${visibility}`, spec.org, p, t, spec.site, visibility);
      const existing = serviceByKey.get(skey);
      if (existing) {
        if (!existing.location_ids.includes(loc.id)) existing.location_ids.push(loc.id);
        continue;
      }
      // Service areas: province for confidential shelters, explicit codes, or national.
      let areas = [];
      if (opts.area) areas = [{ name: opts.area.map((c) => `Provincia de ${PROVINCE_BY_CODE[c].name}`).join(' y '), region_codes: opts.area }];
      else if (spec.area === 'province' && visibility !== 'public') areas = [{ name: `Provincia de ${province.name}`, region_codes: [province.code] }];
      else if (spec.area === 'national') areas = [{ name: 'Costa Rica (national)', region_codes: ['CR'] }];
      const confidential = visibility !== 'public'; // named and addressed after the region, never the town
      const svc = makeService(skey, { ...spec, areas }, {
        status: opts.status,
        townSlug: slug(confidential ? tt.planningRegion : opts.group ? opts.groupName : t.name),
      });
      svc.location_ids.push(loc.id);
    }
  }

  // Services without a location (national and regional channels).
  for (const spec of REMOTE) {
    makeService(`remote:${spec.key}`, { ...spec, kindLabel: spec.key }, { status: spec.status, townSlug: null });
  }

  // Phones, numbered in a stable order: +50600000100, +50600000101, ...
  let next = 100;
  for (const svc of services) {
    const modes = new Set(svc.delivery_modes);
    const wanted = [];
    if (modes.has('phone') || modes.has('in_person') || modes.has('outreach')) {
      wanted.push({ type: 'voice', description: svc.available_24_7 ? 'Línea principal (24 horas)' : 'Línea principal' });
    }
    if (modes.has('whatsapp')) wanted.push({ type: 'whatsapp', description: 'WhatsApp (mensajes de texto y notas de voz)' });
    if (modes.has('sms')) wanted.push({ type: 'sms', description: 'Mensajes de texto (SMS)' });
    svc.phones = wanted.map((ph, i) => {
      if (next > 999) throw new Error('ran out of fictional phone numbers');
      return {
        id: uuidv5(`phone:${svc.id}:${i}`),
        number: `+50600000${String(next++).padStart(3, '0')}`,
        type: ph.type,
        description: ph.description,
        languages: svc.languages,
      };
    });
  }

  const organizations = Object.keys(ORGS)
    .filter((k) => usedOrgs.has(k))
    .map((k) => ({
      id: uuidv5(`organization:${k}`),
      name: ORGS[k].name,
      description: ORGS[k].description,
      email: `contacto.${ORGS[k].slug}@example.org`,
      website: `https://${ORGS[k].slug}.example.org`,
      legal_status: ORGS[k].legal_status,
    }));

  return { demo: true, notice: NOTICE, organizations, locations, services };
}
