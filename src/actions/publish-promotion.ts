/** Entry of actions/publish-promotion (bundled to dist/publish-promotion/index.js); the logic is in publish-promotion/main.ts. */
import { run } from './publish-promotion/main.ts';

await run();
