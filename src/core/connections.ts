/**
 * `connections:` in dataops.yml: the warehouses quality suites can run in (PostgreSQL, BigQuery).
 * A connection names where the warehouse is and the ENVIRONMENT VARIABLES holding its secrets
 * (`password_env`, `url_env`), never a secret itself: dataops.yml arrives in pull requests and
 * lives in git. BigQuery authenticates with Application Default Credentials (on GitHub, workload
 * identity federation through google-github-actions/auth), so its entry holds no secret at all.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { durationSchema, IDENTIFIER, identifierSchema, parseDuration } from './fields.ts';

const envName = z.string().regex(IDENTIFIER, 'the NAME of an environment variable (letters, digits, "_"), not its value');
const noSecret = (field: string, instead: string) =>
  z.never({ error: `never write a secret into dataops.yml: remove "${field}" and name the environment variable holding it with "${instead}"` }).optional();

/** A PostgreSQL connection. */
export const postgresConnectionSchema = z.strictObject({
  type: z.literal('postgres'),
  url_env: envName.optional().describe('Environment variable holding a postgres:// connection URL (it may carry the password). Alternative to host/port/database/user.'),
  host: z.string().min(1).optional().describe('Server host (e.g. localhost for a GitHub Actions service container).'),
  port: z.number().int().min(1).max(65535).optional().describe('Server port. Default 5432.'),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional().describe('Role to log in as: give it SELECT on the checked tables and nothing else.'),
  password_env: envName.optional().describe('Environment variable holding the password (e.g. PGPASSWORD, from a GitHub secret).'),
  password: noSecret('password', 'password_env'),
  url: noSecret('url', 'url_env'),
  sslmode: z.enum(['disable', 'require', 'verify-full']).optional().describe('TLS: disable, require (encrypted) or verify-full (encrypted, server certificate verified).'),
  statement_timeout: durationSchema.default('5m').describe('Longest any one statement may run (PostgreSQL statement_timeout).'),
});

/** A byte size: a number of bytes, or a number with B, KB, MB, GB, TB (powers of 1024; `KiB`… also read). */
export const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*([KMGT]i?)?B$/i;

/** Bytes of a {@link BYTE_SIZE} or a plain number. @throws ConfigError naming `field`. */
export function parseBytes(value: string | number, field: string): number {
  if (typeof value === 'number') return value;
  const m = BYTE_SIZE.exec(value.trim());
  if (!m) throw new ConfigError(`invalid size "${value}"`, { location: { field }, fix: 'Write a size like "10GB" or a number of bytes.' });
  const unit = (m[2] ?? '').toUpperCase().replace('I', '');
  return Math.floor(Number(m[1]) * 1024 ** ' KMGT'.indexOf(unit || ' '));
}

/** A BigQuery connection (Application Default Credentials). */
export const bigqueryConnectionSchema = z.strictObject({
  type: z.literal('bigquery'),
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id').describe('Project the query jobs run (and are billed) in.'),
  location: z.string().min(1).optional().describe('Location of the datasets, e.g. US or europe-west1.'),
  maximum_bytes_billed: z
    .union([z.number().int().positive(), z.string().regex(BYTE_SIZE, 'a size like "10GB"')])
    .default('10GB')
    .describe('A suite whose dry run would scan more is refused before anything runs; every job also carries it as maximumBytesBilled.'),
  statement_timeout: durationSchema.default('5m').describe('Longest any one query job may run (jobTimeoutMs).'),
  credentials_file: noSecret('credentials_file', 'GOOGLE_APPLICATION_CREDENTIALS (google-github-actions/auth sets it)'),
});

/** One entry of `connections:`. */
export const connectionSchema = z.discriminatedUnion('type', [postgresConnectionSchema, bigqueryConnectionSchema]);
export type ConnectionSpec = z.output<typeof connectionSchema>;
export type PostgresConnectionSpec = z.output<typeof postgresConnectionSchema>;
export type BigQueryConnectionSpec = z.output<typeof bigqueryConnectionSchema>;

/** `connections:` of dataops.yml: name → connection. */
export const connectionsSchema = z.record(identifierSchema, connectionSchema).describe('Warehouses quality suites can run in, by name (secrets by environment variable name only).');

/** A PostgreSQL connection with its secrets read from the environment. */
export interface ResolvedPostgres {
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslmode?: 'disable' | 'require' | 'verify-full';
  statementTimeoutMs: number;
}

/**
 * Reads a PostgreSQL connection's secrets from `env`.
 * @throws ConfigError naming the connection and the variable when a named variable is unset or empty.
 */
export function resolvePostgres(name: string, spec: PostgresConnectionSpec, env: NodeJS.ProcessEnv): ResolvedPostgres {
  const read = (field: string, variable: string) => {
    const v = env[variable];
    if (!v) throw new ConfigError(`environment variable ${variable} (connections.${name}.${field}) is not set`, { location: { field: `connections.${name}.${field}` }, fix: `Set ${variable} in the step's env (e.g. from a secret: ${variable}: \${{ secrets.${variable} }}).` });
    return v;
  };
  return {
    ...(spec.url_env ? { connectionString: read('url_env', spec.url_env) } : {}),
    ...(spec.host ? { host: spec.host } : {}),
    ...(spec.port ? { port: spec.port } : {}),
    ...(spec.database ? { database: spec.database } : {}),
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.password_env ? { password: read('password_env', spec.password_env) } : {}),
    ...(spec.sslmode ? { sslmode: spec.sslmode } : {}),
    statementTimeoutMs: parseDuration(spec.statement_timeout, `connections.${name}.statement_timeout`),
  };
}
