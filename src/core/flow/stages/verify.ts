/** Flow stage `verify-staging`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const verifyStage: Stage = {
  name: 'verify-staging',
  title: 'Smoke test and performance budget on staging',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
