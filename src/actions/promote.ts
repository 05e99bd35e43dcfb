/** Entry of actions/promote (bundled to dist/promote/index.js); the logic is in promote/main.ts. */
import { run } from './promote/main.ts';

await run();
