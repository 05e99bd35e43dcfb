/**
 * Vitest global setup: one Pub/Sub emulator for the whole test run, handed to tests as
 * `inject('pubsubEmulatorHost')` (set PUBSUB_EMULATOR_HOST in the test before creating clients).
 * When gcloud or its pubsub-emulator component is missing the host is '' and the emulator tests
 * are skipped (with this warning), so the rest of the suite still runs; with
 * DATAOPS_REQUIRE_TOOLS=1 (CI) the run fails instead.
 */
import type { TestProject } from 'vitest/node';
import { startPubSubEmulator } from '../../src/core/promotion/emulator.ts';
import { TOOLS_REQUIRED } from '../helpers/tools.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pubsubEmulatorHost: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const emulator = await startPubSubEmulator({ project: 'dataops-test' });
    project.provide('pubsubEmulatorHost', emulator.host);
    return () => emulator.stop();
  } catch (err) {
    // CI (DATAOPS_REQUIRE_TOOLS=1): a missing emulator fails the run, never a green run without its tests
    if (TOOLS_REQUIRED) throw new Error(`DATAOPS_REQUIRE_TOOLS=1: the Pub/Sub emulator did not start (gcloud and its pubsub-emulator component are needed): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    process.stderr.write(`\nWARNING: Pub/Sub emulator unavailable, its tests are skipped: ${err instanceof Error ? err.message : String(err)}\n\n`);
    project.provide('pubsubEmulatorHost', '');
    return () => Promise.resolve();
  }
}
