/**
 * Vitest global setup: one Pub/Sub emulator for the whole test run, handed to tests as
 * `inject('pubsubEmulatorHost')` (set PUBSUB_EMULATOR_HOST in the test before creating clients).
 * When gcloud or its pubsub-emulator component is missing the host is '' and the emulator tests
 * are skipped (with this warning), so the rest of the suite still runs.
 */
import type { TestProject } from 'vitest/node';
import { startPubSubEmulator } from '../../src/core/promotion/emulator.ts';

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
    process.stderr.write(`\nWARNING: Pub/Sub emulator unavailable, its tests are skipped: ${err instanceof Error ? err.message : String(err)}\n\n`);
    project.provide('pubsubEmulatorHost', '');
    return () => Promise.resolve();
  }
}
