/**
 * A real PostgreSQL server for the warehouse-engine tests, from Debian's packages (the server
 * binaries under /usr/lib/postgresql/<major>/bin, installed by scripts/bootstrap): `initdb` in a
 * temporary directory, `pg_ctl start` on a loopback port, password (SCRAM) login over TCP. Started
 * once per test run by tests/setup/postgres.ts and handed to tests with `inject('postgres')`.
 *
 * {@link loadWarehouse} loads the vega-datasets tables the example suites read (flights-3m,
 * airports, birdstrikes, movies) into schema `vega`, once per server (an advisory lock keeps two
 * test workers from loading twice), with the column types DuckDB reads them as, and creates the
 * role `dq_reader`: LOGIN, SELECT on schema `vega` only, no write right anywhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { resolveNpmPath } from '../../src/core/quality/load.ts';

/** What tests get from `inject('postgres')` (empty host when PostgreSQL is not installed). */
export interface PostgresServer {
  host: string;
  port: number;
  /** Superuser `postgres` (tests only: loading data, creating roles). */
  user: string;
  password: string;
  database: string;
  /** Why the server is not there, when host is empty. */
  missing?: string;
}

/** The directory holding initdb and pg_ctl (newest major first), or undefined. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root).filter((d) => existsSync(path.join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (majors.length) return path.join(root, majors[0]!, 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? path.dirname(which.stdout.trim()) : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh server; `stop` shuts it down and removes its directory.
 * @throws when initdb or pg_ctl fail (their output in the message).
 */
export async function startPostgres(bin: string): Promise<{ server: PostgresServer; stop: () => void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dataops-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const password = `pw-${process.pid}-${Date.now()}`;
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, password + '\n');
  // initdb and the server refuse to run as root: as root, run them as the postgres user
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asUser.length) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...asUser, ...args];
    const r = spawnSync(cmd!, rest, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run([path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  rmSync(pwfile);
  const port = await freePort();
  const settings = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50 -c shared_buffers=128MB -c max_parallel_workers_per_gather=0`;
  run([path.join(bin, 'pg_ctl'), '-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start']);
  return {
    server: { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' },
    stop: () => {
      const [cmd, ...rest] = [...asUser, path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'];
      spawnSync(cmd, rest, { cwd: dir });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A superuser client of the test server. */
export async function superuser(server: PostgresServer): Promise<pg.Client> {
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await c.connect();
  return c;
}

/** The read-only role tests connect the engine with. */
export const READER = { user: 'dq_reader', password: 'reader-secret-not-in-any-file' };

/** vega-datasets tables of schema `vega`: name → npm path. */
export const WAREHOUSE_TABLES: Record<string, string> = {
  flights: 'npm:vega-datasets/data/flights-3m.parquet',
  airports: 'npm:vega-datasets/data/airports.csv',
  birdstrikes: 'npm:vega-datasets/data/birdstrikes.csv',
  movies: 'npm:vega-datasets/data/movies.json',
};

/** DuckDB type → the PostgreSQL column type holding the same values. */
function pgType(duck: string): string {
  const t = duck.toUpperCase();
  const map: Record<string, string> = { BIGINT: 'bigint', INTEGER: 'integer', SMALLINT: 'smallint', TINYINT: 'smallint', DOUBLE: 'double precision', FLOAT: 'real', VARCHAR: 'text', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp', JSON: 'jsonb' };
  const m = map[t] ?? (/^DECIMAL/.test(t) ? t.replace('DECIMAL', 'numeric') : undefined);
  if (!m) throw new Error(`no PostgreSQL type for DuckDB ${duck}`);
  return m;
}

/**
 * Loads {@link WAREHOUSE_TABLES} into schema `vega` (once per server) and creates {@link READER}.
 * Each table is read by DuckDB as the suites read the file, written to CSV and loaded with COPY.
 */
export async function loadWarehouse(server: PostgresServer): Promise<void> {
  const db = await superuser(server);
  try {
    await db.query('SELECT pg_advisory_lock(17017)');
    const done = await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'vega' AND tablename = 'loaded'`);
    if (done.rowCount) return;
    await db.query('CREATE SCHEMA IF NOT EXISTS vega');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'dataops-pg-load-'));
    chmodSync(tmp, 0o755);
    const engine = await openEngine({ tempDirectory: tmp });
    try {
      for (const [table, spec] of Object.entries(WAREHOUSE_TABLES)) {
        const file = resolveNpmPath(spec, process.cwd())!.file;
        const reader = file.endsWith('.parquet') ? `read_parquet('${file}')` : file.endsWith('.json') ? `read_json_auto('${file}')` : `read_csv('${file}')`;
        const cols = await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${reader}`);
        const csv = path.join(tmp, `${table}.csv`);
        await engine.run(`COPY (SELECT * FROM ${reader}) TO '${csv}' (HEADER, DELIMITER ',', QUOTE '"', FORCE_QUOTE *)`);
        chmodSync(csv, 0o644);
        await db.query(`DROP TABLE IF EXISTS vega.${table}`);
        await db.query(`CREATE TABLE vega.${table} (${cols.map((c) => `"${c.column_name}" ${pgType(c.column_type)}`).join(', ')})`);
        // FORCE_QUOTE writes every value quoted and NULL unquoted-empty: COPY reads "" as an empty string, nothing as NULL
        await db.query(`COPY vega.${table} FROM '${csv}' (FORMAT csv, HEADER true)`);
        await db.query(`ANALYZE vega.${table}`);
      }
    } finally {
      engine.close();
      rmSync(tmp, { recursive: true, force: true });
    }
    await db.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${READER.user}') THEN CREATE ROLE ${READER.user} LOGIN PASSWORD '${READER.password}'; END IF; END $$`);
    await db.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
    await db.query(`REVOKE TEMPORARY ON DATABASE ${server.database} FROM PUBLIC`);
    await db.query(`GRANT USAGE ON SCHEMA vega TO ${READER.user}`);
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA vega TO ${READER.user}`);
    // a table the reader may not read (the attack tests try)
    await db.query(`CREATE SCHEMA IF NOT EXISTS payroll`);
    await db.query(`CREATE TABLE IF NOT EXISTS payroll.salaries (name text, salary int)`);
    await db.query(`INSERT INTO payroll.salaries VALUES ('alice', 100000)`);
    await db.query('CREATE TABLE vega.loaded ()');
  } finally {
    await db.query('SELECT pg_advisory_unlock(17017)').catch(() => undefined);
    await db.end();
  }
}
