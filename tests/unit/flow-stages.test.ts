/** One stage vocabulary (issue 12): `dataops flow --only` and the root action's `stages` input take the stage names, in flow order, and refuse unknown ones. */
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.ts';
import { FLOW_STAGES, selectStages } from '../../src/core/flow/stages/index.ts';
import { parseStageNames, STAGE_ALIASES, STAGE_NAMES } from '../../src/core/flow/stage-names.ts';

describe('selectStages', () => {
  it('keeps flow order whatever the order given, and ignores blanks', () => {
    expect(selectStages('system-test, lint,,quality').map((s) => s.name)).toEqual(['lint', 'quality', 'system-test']);
    expect(selectStages(['build-image']).map((s) => s.name)).toEqual(['build-image']);
  });

  it('refuses an unknown name (a typo), naming it, the field and the known names', () => {
    const err = (() => {
      try {
        selectStages('lint,qualty,data-qualty', '--only');
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(err)).toBe(true);
    expect(String((err as Error).message)).toContain('unknown stage names "qualty", "data-qualty"');
    expect(err).toMatchObject({ location: { field: '--only' } });
    expect(String((err as { fix?: string }).fix)).toContain(FLOW_STAGES.map((s) => s.name).join(', '));
  });

  it('maps the root action\'s old name data-quality to quality (documented alias)', () => {
    expect(selectStages('data-quality,lint').map((s) => s.name)).toEqual(['lint', 'quality']);
    expect(STAGE_ALIASES).toEqual({ 'data-quality': 'quality' });
  });

  it('refuses a list that names no stage', () => {
    expect(() => selectStages(' , ', '--only')).toThrow(/--only: names no stage/);
  });
});

describe('parseStageNames (the vocabulary without the stages)', () => {
  it('has one name per stage of FLOW_STAGES, in flow order', () => {
    expect([...STAGE_NAMES]).toEqual(FLOW_STAGES.map((s) => s.name));
  });

  it('limited to the stages a caller runs, refuses the other known ones by name and lists only the accepted ones', () => {
    const accepted = ['lint', 'quality', 'build-image', 'system-test'] as const;
    expect(parseStageNames('system-test\nquality,data-quality', 'input "stages"', accepted)).toEqual(['quality', 'system-test']);
    expect(() => parseStageNames('lint,push-image', 'input "stages"', accepted)).toThrow(
      'input "stages": "push-image" is a stage of dataops flow that does not run here. Use the stage names lint, quality, build-image, system-test (data-quality = quality), comma-separated.',
    );
    expect(() => parseStageNames('lint,push-image,qualty', 'input "stages"', ['lint'])).toThrow('input "stages": unknown stage name "qualty"; "push-image" is a stage of dataops flow that does not run here. Use the stage names lint, comma-separated.');
  });
});
