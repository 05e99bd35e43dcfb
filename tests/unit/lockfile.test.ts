/**
 * `npm ci` (scripts/bootstrap, CI) refuses a lockfile that lacks an entry for any optional
 * dependency. This workplace's npm mirror serves no foreign-platform DuckDB bindings, so a plain
 * `npm install` drops them: scripts/fix-lock-platforms.ts puts them back. This test keeps it so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addMissingPlatforms, platformOf } from '../../scripts/fix-lock-platforms.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe('package-lock.json', () => {
  it.each(['package-lock.json', 'templates/example-pipeline/package-lock.json'])('%s has an entry for every optional platform package (run node scripts/fix-lock-platforms.ts)', (file) => {
    const lock = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
    expect(addMissingPlatforms(lock)).toEqual([]);
  });

  it.each([
    ['@duckdb/node-bindings-darwin-arm64', { os: ['darwin'], cpu: ['arm64'] }],
    ['@duckdb/node-bindings-linux-x64-musl', { os: ['linux'], cpu: ['x64'], libc: ['musl'] }],
    ['@duckdb/node-bindings-linux-arm64', { os: ['linux'], cpu: ['arm64'], libc: ['glibc'] }],
    ['@duckdb/node-api', undefined],
  ])('platformOf(%s)', (name, expected) => {
    expect(platformOf(name)).toEqual(expected);
  });
});
