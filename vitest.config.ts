import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite's own warnings (missing source maps of the inlined @actions/workflow-parser) are noise here
  logLevel: 'error',
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/setup/global.ts', 'tests/setup/pubsub.ts', 'tests/setup/postgres.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // @actions/workflow-parser imports its JSON schema without an import attribute: let Vite transform it
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
