/** Flow stage `push-image`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const pushStage: Stage = {
  name: 'push-image',
  title: 'Push the image to the registry by digest',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
