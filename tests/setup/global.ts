/**
 * Vitest global setup: runs once per `npm test`. Services that are slow to start (the Pub/Sub
 * emulator, ~10 s of JVM start-up) are started here and handed to tests with `provide`/`inject`.
 */
import type { TestProject } from 'vitest/node';

export default function setup(_project: TestProject): () => Promise<void> {
  const teardowns: Array<() => Promise<void>> = [];
  return async () => {
    for (const t of teardowns.reverse()) await t();
  };
}
