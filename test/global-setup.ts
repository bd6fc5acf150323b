/**
 * Vitest global setup of the integration project: builds the server (tsc -p tsconfig.build.json,
 * incremental, so an unchanged tree costs about a second) so the integration tests can spawn
 * `node dist/server.js`. A failed build stops the whole run with the compiler's output, rather
 * than letting the tests run against a stale dist/. Unit and HTTP tests never wait on it.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export default function setup(): void {
  try {
    execFileSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `global setup: the build (tsc -p tsconfig.build.json) failed, so dist/server.js cannot be trusted for the integration tests\n${message}\n${stdout ?? ''}${stderr ?? ''}`,
      { cause: error },
    );
  }
}
