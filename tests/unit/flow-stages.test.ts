/** One stage vocabulary (issue 12): `dataops flow --only` takes the stage names, in flow order, and refuses unknown ones. */
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.ts';
import { FLOW_STAGES, selectStages } from '../../src/core/flow/stages/index.ts';

describe('selectStages', () => {
  it('keeps flow order whatever the order given, and ignores blanks', () => {
    expect(selectStages('system-test, lint,,quality').map((s) => s.name)).toEqual(['lint', 'quality', 'system-test']);
    expect(selectStages(['build-image']).map((s) => s.name)).toEqual(['build-image']);
  });

  it('refuses an unknown name (a typo, or another vocabulary like data-quality), naming it, the field and the known names', () => {
    const err = (() => {
      try {
        selectStages('lint,qualty,data-quality', '--only');
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(err)).toBe(true);
    expect(String((err as Error).message)).toContain('unknown stage names "qualty", "data-quality"');
    expect(err).toMatchObject({ location: { field: '--only' } });
    expect(String((err as { fix?: string }).fix)).toContain(FLOW_STAGES.map((s) => s.name).join(', '));
  });
});
