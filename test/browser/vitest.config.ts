/**
 * `npm run test:browser`: the tests that drive a real headless Chromium (Debian's `chromium`
 * package, /usr/bin/chromium). Kept out of `npm test`, which must pass on a machine without it.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    // The client test serves the built client and runs the real server: build first.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
