/** Entry of actions/verify (bundled to dist/verify/index.js); the logic is in verify/main.ts. */
import { run } from './verify/main.ts';

await run();
