/** Entry of actions/push-image (bundled to dist/push-image/index.js); the logic is in push-image/main.ts. */
import { run } from './push-image/main.ts';

await run();
