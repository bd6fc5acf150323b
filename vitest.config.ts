import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The examples import the client by its package name, as users do; the tests run them on the source.
  resolve: { alias: { 'rtc-token-server/client': fileURLToPath(new URL('./src/client/index.ts', import.meta.url)) } },
  test: {
    environment: 'node',
    // Most test time is spent waiting (child processes, sockets, stores), not computing: more
    // files in flight than the machine has cores overlap those waits. Vitest's default is one
    // worker fewer than the cores, which on two cores runs the files one at a time.
    maxWorkers: 4,
    // Files share a worker's module cache instead of importing the app again each (the imports
    // cost more than the tests). Nothing in a test file may leak: spies are restored after each
    // test, fake timers undone by the files that use them, servers killed in afterEach.
    isolate: false,
    restoreMocks: true,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Never waits on a build: these drive the source in-process.
          include: ['test/unit/**/*.test.ts', 'test/http/**/*.test.ts', 'test/property/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Spawns `node dist/server.js` and `node dist/cli.js`: built first (incrementally).
          globalSetup: ['test/global-setup.ts'],
        },
      },
    ],
  },
});
