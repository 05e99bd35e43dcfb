import { describe, expect, it } from 'vitest';
import { parseBytes, resolvePostgres } from '../../src/core/connections.ts';
import { projectSchema } from '../../src/core/project.ts';
import { datasetSchema } from '../../src/core/quality/suite.ts';

const project = (connections: unknown) => projectSchema.safeParse({ version: 1, name: 'p', connections });

describe('connections: in dataops.yml', () => {
  it('names secrets by environment variable, and refuses a secret written into the file', () => {
    expect(project({ wh: { type: 'postgres', host: 'localhost', user: 'dq_reader', password_env: 'PGPASSWORD' } }).success).toBe(true);
    for (const [field, instead] of [['password', 'password_env'], ['url', 'url_env']] as const) {
      const r = project({ wh: { type: 'postgres', [field]: 'hunter2' } });
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error?.issues)).toContain(`never write a secret into dataops.yml: remove \\"${field}\\" and name the environment variable holding it with \\"${instead}\\"`);
    }
    expect(project({ bq: { type: 'bigquery', project: 'my-project', credentials_file: '/key.json' } }).success).toBe(false);
    expect(project({ wh: { type: 'postgres', password_env: 'not a name' } }).success).toBe(false);
  });

  it('reads the secrets from the environment; an unset variable is named', () => {
    const spec = { type: 'postgres' as const, host: 'db', user: 'u', password_env: 'PW', statement_timeout: '90s' };
    expect(resolvePostgres('wh', spec, { PW: 's3cret' })).toEqual({ host: 'db', user: 'u', password: 's3cret', statementTimeoutMs: 90_000 });
    expect(() => resolvePostgres('wh', spec, {})).toThrow(/environment variable PW \(connections\.wh\.password_env\) is not set/);
  });

  it('reads maximum_bytes_billed as bytes (powers of 1024)', () => {
    expect(parseBytes('10GB', 'f')).toBe(10 * 1024 ** 3);
    expect(parseBytes('1.5 MiB', 'f')).toBe(1.5 * 1024 ** 2);
    expect(parseBytes(1234, 'f')).toBe(1234);
    expect(() => parseBytes('ten', 'f')).toThrow(/invalid size/);
  });

  it('a dataset may name a warehouse table next to or instead of its files', () => {
    expect(datasetSchema.safeParse({ table: 'vega.flights', connection: 'wh' }).success).toBe(true);
    expect(datasetSchema.safeParse({ path: 'a.parquet', table: 'proj.ds.t' }).success).toBe(true);
    expect(datasetSchema.safeParse({ table: 'flights; DROP TABLE x' }).success).toBe(false);
    expect(datasetSchema.safeParse({ table: 'flights' }).success).toBe(false);
  });
});
