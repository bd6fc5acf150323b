/**
 * After a production install, removes what only building better-sqlite3 needed: its C sources
 * (deps/, src/, binding.gyp), the compiler's intermediates (build/ except the one addon it loads,
 * build/Release/better_sqlite3.node) and the test extension. The Dockerfile's builder runs this
 * before the runtime stage copies node_modules; scripts/container-check.sh runs it on its runtime
 * install and then starts the server, so a prune that broke the addon would fail there.
 *   node scripts/prune-native.mjs [node_modules dir]
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(process.argv[2] ?? 'node_modules', 'better-sqlite3');
const KEEP = new Set(['lib', 'package.json', 'LICENSE', 'README.md', 'build']);
const ADDON = join('build', 'Release', 'better_sqlite3.node');

/** Bytes under `path`. */
const size = (path) => (statSync(path).isDirectory() ? readdirSync(path).reduce((sum, entry) => sum + size(join(path, entry)), 0) : statSync(path).size);

if (!existsSync(join(root, ADDON))) {
  console.error(`prune-native: ${join(root, ADDON)} is missing; nothing pruned`);
  process.exit(1);
}
const before = size(root);
for (const entry of readdirSync(root)) if (!KEEP.has(entry)) rmSync(join(root, entry), { recursive: true, force: true });
for (const entry of readdirSync(join(root, 'build'))) if (entry !== 'Release') rmSync(join(root, 'build', entry), { recursive: true, force: true });
for (const entry of readdirSync(join(root, 'build', 'Release'))) {
  if (entry !== 'better_sqlite3.node') rmSync(join(root, 'build', 'Release', entry), { recursive: true, force: true });
}
console.log(`prune-native: better-sqlite3 ${(before / 1e6).toFixed(1)} MB → ${(size(root) / 1e6).toFixed(1)} MB`);
