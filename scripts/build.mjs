/**
 * `npm run build`: the service and library as ES modules (tsconfig.build.json → dist/), and the
 * client once more as CommonJS (tsconfig.cjs.json → dist/cjs/, marked `"type": "commonjs"`) for
 * `require('rtc-token-server/client')` in bundlers and CommonJS code. Both compiles are
 * incremental. The integration tests' global setup runs this too.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export function build() {
  for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
    execFileSync(process.execPath, [TSC, '-p', project], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  }
  mkdirSync(new URL('../dist/cjs/', import.meta.url), { recursive: true });
  writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (error) {
    process.stdout.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    process.exit(1);
  }
}
