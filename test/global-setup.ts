/**
 * Vitest global setup of the integration project: builds the server and the client
 * (scripts/build.mjs, incremental, so an unchanged tree costs about a second) so the integration
 * tests can spawn `node dist/server.js` and pack the package. A failed build stops the whole run
 * with the compiler's output, rather than letting the tests run against a stale dist/. Unit and
 * HTTP tests never wait on it.
 */
// @ts-expect-error: a plain ES module script without declarations
import { build } from '../scripts/build.mjs';

export default function setup(): void {
  try {
    (build as () => void)();
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `global setup: the build (npm run build) failed, so dist/ cannot be trusted for the integration tests\n${message}\n${stdout ?? ''}${stderr ?? ''}`,
      {
        cause: error,
      },
    );
  }
}
