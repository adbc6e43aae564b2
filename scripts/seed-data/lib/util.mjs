// Small deterministic helpers shared by the generators and the checker.
import { createHash } from 'node:crypto';

// Fixed namespace for all seed UUIDs: UUID v5 of the URL below in the RFC 4122 URL namespace.
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
export const SEED_NAMESPACE = uuidv5('https://referral.example.org/seed', URL_NAMESPACE);

/** RFC 4122 version-5 (SHA-1, name-based) UUID, lowercase. */
export function uuidv5(name, namespace = SEED_NAMESPACE) {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50; // version 5
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const UUID_V5_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** 32-bit FNV-1a hash of a string, used to seed the PRNG per record. */
export function fnv1a(str) {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(str, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32 PRNG: returns a function yielding floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG seeded from a string key, so each record's randomness is independent and stable. */
export function rngFor(key) {
  const r = mulberry32(fnv1a(`referral-seed:${key}`));
  r.pick = (arr) => arr[Math.floor(r() * arr.length)];
  r.int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
  r.chance = (p) => r() < p;
  return r;
}

export const round5 = (x) => Math.round(x * 1e5) / 1e5;

/** ASCII slug: "Limón Centro" -> "limon-centro". */
export function slug(s) {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** RFC 4180 CSV field. */
export function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values) {
  return values.map(csvField).join(',');
}

/** RFC 4180 CSV parser (handles quoted fields, doubled quotes, CRLF). Returns array of rows. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r') { i++; continue; }
    if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Great-circle distance in metres (spherical, R = 6371008.8 m). */
export function haversine(lat1, lng1, lat2, lng2) {
  const R = 6371008.8;
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLng = (lng2 - lng1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Offset a point by `metres` towards `bearingDeg` (small-distance approximation). */
export function offsetPoint(lat, lng, metres, bearingDeg) {
  const b = (bearingDeg * Math.PI) / 180;
  const dLat = (metres * Math.cos(b)) / 111320;
  const dLng = (metres * Math.sin(b)) / (111320 * Math.cos((lat * Math.PI) / 180));
  return [lat + dLat, lng + dLng];
}

/** Ray-casting point-in-ring test on [lng, lat] rings. */
function inRing(lng, lat, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > lat) !== (yj > lat) && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Point in a GeoJSON MultiPolygon geometry (holes respected). */
export function inMultiPolygon(lng, lat, geometry) {
  return geometry.coordinates.some(
    (poly) => inRing(lng, lat, poly[0]) && !poly.slice(1).some((hole) => inRing(lng, lat, hole))
  );
}

/** Twice the signed planar area of a ring (positive = counter-clockwise). */
export function ringArea2(ring) {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return s;
}

/**
 * JSON text with 2-space indentation where arrays of scalars (and small scalar-only objects inside
 * arrays of scalars) stay on one line: readable diffs, smaller files. Parses to the same value as
 * JSON.stringify(value).
 */
export function prettyJson(value) {
  const isScalar = (v) => v === null || typeof v !== 'object';
  const fmt = (v, indent) => {
    if (isScalar(v)) return JSON.stringify(v);
    const pad = '  '.repeat(indent + 1);
    const end = '  '.repeat(indent);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      if (v.every(isScalar)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
      return `[\n${v.map((x) => pad + fmt(x, indent + 1)).join(',\n')}\n${end}]`;
    }
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${fmt(v[k], indent + 1)}`).join(',\n')}\n${end}}`;
  };
  return fmt(value, 0) + '\n';
}
