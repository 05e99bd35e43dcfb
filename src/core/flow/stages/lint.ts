/** Flow stage `lint`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const lintStage: Stage = {
  name: 'lint',
  title: 'Lint code, workflows and config',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
