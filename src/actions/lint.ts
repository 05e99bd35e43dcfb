/** Entry of actions/lint (bundled to dist/lint/index.js); the logic is in lint/main.ts. */
import { run } from './lint/main.ts';

await run();
