// Bundles the web app (web/src, web/styles, web/messages, Leaflet from npm) into src/Referral.Api/wwwroot/lib/app/
// (git-ignored). Run from the repository root after `npm ci`; the Referral.Api build does both when npm is available
// (see Referral.Api.csproj, target WebApp).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outdir = here('../src/Referral.Api/wwwroot/lib/app');

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { app: here('src/main.js') },
  outdir,
  bundle: true,
  minify: true,
  splitting: false,
  format: 'esm',
  target: 'es2022',
  legalComments: 'linked', // third-party licence texts go to app.js.LEGAL.txt / app.css.LEGAL.txt
  logLevel: 'warning',
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
});

// Pre-compressed copies, served when the browser accepts them (WebAppEndpoints): no compression work per request.
const { readdir, readFile, writeFile } = await import('node:fs/promises');
const { brotliCompressSync, gzipSync, constants } = await import('node:zlib');
for (const name of await readdir(outdir)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const data = await readFile(`${outdir}/${name}`);
  await writeFile(`${outdir}/${name}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  await writeFile(`${outdir}/${name}.gz`, gzipSync(data, { level: 9 }));
}
