/**
 * Vitest global setup: one Pub/Sub emulator for the whole test run, handed to tests as
 * `inject('pubsubEmulatorHost')` (set PUBSUB_EMULATOR_HOST in the test before creating clients).
 */
import type { TestProject } from 'vitest/node';
import { startPubSubEmulator } from '../../src/core/promotion/emulator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pubsubEmulatorHost: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startPubSubEmulator({ project: 'dataops-test' });
  project.provide('pubsubEmulatorHost', emulator.host);
  return () => emulator.stop();
}
