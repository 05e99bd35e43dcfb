/** Entry of actions/build-image (bundled to dist/build-image/index.js); the logic is in build-image/main.ts. */
import { run } from './build-image/main.ts';

await run();
