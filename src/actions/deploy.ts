/** Entry of actions/deploy (bundled to dist/deploy/index.js); the logic is in deploy/main.ts. */
import { run } from './deploy/main.ts';

await run();
