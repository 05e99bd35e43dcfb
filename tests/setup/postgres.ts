/**
 * Vitest global setup: one PostgreSQL server for the whole test run (tests/helpers/postgres.ts),
 * handed to tests as `inject('postgres')`. Starting it takes a second or two; the tables are
 * loaded by the tests that need them (loadWarehouse, once per server). When PostgreSQL is not
 * installed the host is empty and `missing` says why: the tests that need it call
 * `required(…)` (tests/helpers/tools.ts), which fails them in CI and skips them elsewhere.
 */
import type { TestProject } from 'vitest/node';
import { postgresBin, startPostgres, type PostgresServer } from '../helpers/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServer;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const none = (missing: string): PostgresServer => ({ host: '', port: 0, user: '', password: '', database: '', missing });
  const bin = postgresBin();
  if (!bin) {
    project.provide('postgres', none('initdb/pg_ctl not found under /usr/lib/postgresql/*/bin or on PATH'));
    return () => Promise.resolve();
  }
  try {
    const { server, stop } = await startPostgres(bin);
    project.provide('postgres', server);
    return () => Promise.resolve(stop());
  } catch (err) {
    project.provide('postgres', none(err instanceof Error ? err.message : String(err)));
    return () => Promise.resolve();
  }
}
