/**
 * Vitest global setup: builds the server once (`npm run build`, i.e. tsc -p tsconfig.build.json)
 * so the integration tests can spawn `node dist/server.js`. A failed build stops the whole run
 * with the compiler's output, rather than letting the tests run against a stale dist/.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default function setup(): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    execFileSync(npm, ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `global setup: \`npm run build\` failed, so dist/server.js cannot be trusted for the integration tests\n${message}\n${stdout ?? ''}${stderr ?? ''}`,
      { cause: error },
    );
  }
}
