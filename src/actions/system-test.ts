/** Entry of actions/system-test (bundled to dist/system-test/index.js); the logic is in system-test/main.ts. */
import { run } from './system-test/main.ts';

await run();
