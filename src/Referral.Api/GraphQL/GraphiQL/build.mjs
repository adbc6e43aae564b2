// Bundles GraphiQL (npm) into src/Referral.Api/wwwroot/lib/graphiql/ (git-ignored). Run from the repository root after
// `npm ci`; the Referral.Api build does both when npm is available (see Referral.Api.csproj, target GraphiQL).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outdir = here('../../wwwroot/lib/graphiql');
const common = {
  bundle: true,
  minify: true,
  target: 'es2022',
  legalComments: 'linked', // third-party licence texts go to *.LEGAL.txt next to the bundles
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

await rm(outdir, { recursive: true, force: true });

// The page script: React + GraphiQL + its CSS (and the codicon font Monaco's CSS refers to).
await build({
  ...common,
  entryPoints: { graphiql: here('app.js') },
  outdir,
  format: 'esm',
  loader: { '.ttf': 'file' },
});

// Monaco's web workers, as classic scripts (app.js starts them with new Worker(url)).
await build({
  ...common,
  entryPoints: {
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
  },
  outdir,
  format: 'iife',
});
