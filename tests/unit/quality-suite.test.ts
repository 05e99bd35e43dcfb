import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from '../../src/core/errors.ts';
import { formatFromPath } from '../../src/core/formats.ts';
import { CHECK_TYPES, parseSuite, resolveNpmPath } from '../../src/core/quality/load.ts';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const head = `version: 1
suite: s
datasets:
  t: { path: t.csv }
checks:
`;

describe('suite parsing', () => {
  it('accepts a valid suite and applies defaults', () => {
    const s = parseSuite(head + '  - type: not_null\n    dataset: t\n    columns: a\n', 'q/s.yml');
    expect(s.spec.checks[0]).toMatchObject({ type: 'not_null', severity: 'error', columns: 'a' });
    expect(s.lineOf(['checks', 0])).toBe(6);
    expect(s.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('knows the check types', () => {
    expect(CHECK_TYPES).toEqual(['row_count', 'not_null', 'unique', 'accepted_values', 'range', 'regex', 'relationships', 'freshness', 'schema', 'sql', 'anomaly', 'drift']);
  });

  it('names file, line and column of malformed YAML', () => {
    const e = errorOf(() => parseSuite('version: 1\nsuite: s\nchecks:\n  - type: not_null\n    dataset: [t\n', 'bad.yml'));
    expect(e.message).toMatch(/^bad\.yml:\d+(:\d+)?: invalid YAML/);
    expect(e.location.file).toBe('bad.yml');
    expect(e.location.line).toBeGreaterThanOrEqual(5);
  });

  it('lists the valid types for an unknown check type, at its line', () => {
    const e = errorOf(() => parseSuite(head + '  - type: not_null\n    dataset: t\n    columns: a\n  - type: uniq\n    dataset: t\n', 's.yml'));
    expect(e).toBeInstanceOf(ConfigErrors);
    expect(e.message).toContain('s.yml:9');
    expect(e.message).toContain('checks[1].type');
    expect(e.message).toContain('unknown check type "uniq"');
    expect(e.message).toContain('row_count, not_null, unique, accepted_values, range, regex, relationships, freshness, schema, sql');
  });

  it('names the field of a schema violation', () => {
    const e = errorOf(() => parseSuite(head + '  - type: range\n    dataset: t\n    column: a\n    max_failing_ratio: 2\n', 's.yml'));
    expect(e.message).toContain('s.yml:9');
    expect(e.message).toContain('checks[0].max_failing_ratio');
  });

  it('rejects an unknown field and a bad duration', () => {
    expect(errorOf(() => parseSuite(head + '  - type: not_null\n    dataset: t\n    columns: a\n    colour: red\n', 's.yml')).message).toMatch(/checks\[0\].*colour|colour/);
    expect(errorOf(() => parseSuite(head + '  - type: freshness\n    dataset: t\n    column: a\n    max_age: soon\n', 's.yml')).message).toContain('write a duration like');
  });

  it('rejects an empty file and a non-mapping', () => {
    expect(errorOf(() => parseSuite('  \n', 'e.yml')).message).toBe('e.yml:1: suite file is empty. Write "version: 1", "suite: <name>", "datasets:" and "checks:" (see https://raw.githubusercontent.com/dataops-actions/dataops-actions/v0.1.0/schemas/quality-suite.schema.json).');
    expect(errorOf(() => parseSuite('- a\n- b\n', 'l.yml')).message).toContain('must be a YAML mapping');
  });

  it('rejects duplicate check ids', () => {
    const e = errorOf(() => parseSuite(head + '  - { id: a, type: row_count, dataset: t }\n  - { id: a, type: row_count, dataset: t }\n', 's.yml'));
    expect(e.message).toBe('s.yml:7: checks[1].id: duplicate check id "a" (also checks[0]). Give every check its own id: reports and check runs key on it.');
  });

  it('requires at least one check', () => {
    expect(errorOf(() => parseSuite('version: 1\nsuite: s\nchecks: []\n', 's.yml')).message).toContain('checks');
  });
});

describe('dataset paths', () => {
  it('tells formats from extensions', () => {
    expect(['a.csv', 'a.tsv', 'a.parquet', 'a.json', 'a.ndjson', 'a.jsonl', 'a.csv.gz', 'a.txt'].map(formatFromPath)).toEqual(['csv', 'tsv', 'parquet', 'json', 'ndjson', 'ndjson', 'csv', undefined]);
  });

  it('resolves npm: paths through installed packages', () => {
    const p = resolveNpmPath('npm:vega-datasets/data/movies.json', process.cwd());
    expect(p?.file).toMatch(/node_modules\/vega-datasets\/data\/movies\.json$/);
    expect(p?.packageDir).toMatch(/node_modules\/vega-datasets$/);
    expect(resolveNpmPath('npm:no-such-package-xyz/a.csv', process.cwd())).toBeUndefined();
    expect(resolveNpmPath('npm:../../etc/passwd', process.cwd())).toBeUndefined();
  });
});
