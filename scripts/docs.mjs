#!/usr/bin/env node
// Regenerates the parameter tables of docs/api.md from the routes' schemas (see src/docs/params.ts),
// with every lifetime at its default. `--check` writes nothing and exits 1 when the page differs.
// Reads the build: run `npm run build` first (`npm run docs` does).
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../dist/config/index.js';
import { paramTables, withParamTables } from '../dist/docs/params.js';
import { createTokenService } from '../dist/tokens/service.js';

const page = new URL('../docs/api.md', import.meta.url);
const committed = readFileSync(page, 'utf8');
const generated = withParamTables(committed, paramTables(createTokenService(loadConfig({ NODE_ENV: 'test' }))));
if (process.argv.includes('--check')) {
  if (generated !== committed) {
    process.stderr.write('docs/api.md: the parameter tables differ from the schemas; run `npm run docs` and commit the result\n');
    process.exit(1);
  }
  process.stdout.write('docs/api.md: the parameter tables match the schemas\n');
} else if (generated !== committed) {
  writeFileSync(page, generated);
  process.stdout.write('docs/api.md: parameter tables regenerated\n');
} else {
  process.stdout.write('docs/api.md: already up to date\n');
}
