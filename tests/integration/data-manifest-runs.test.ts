/**
 * Manifests written by the runs that read data: a quality suite (every dataset it reads, file and
 * SQL, PII by lineage counted only) and a directory of fixtures or image outputs (every data file,
 * a link leading outside skipped), each manifest's digest named in the report.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash, manifestDigest, readManifest, type DataManifest } from '../../src/core/data/manifest.ts';
import { manifestsOfDirectory, recordDirectory } from '../../src/core/data/record.ts';
import { sha256 } from '../../src/core/hash.ts';
import { runSuite } from '../../src/core/quality/run.ts';

const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-runs-'));
const EMAILS = ['ann.secret@example.com', 'bob.hidden@example.com'];

beforeAll(() => {
  mkdirSync(path.join(tmp, '.git'));
  copyFileSync(path.join(DATA, 'airports.csv'), path.join(tmp, 'airports.csv'));
  writeFileSync(path.join(tmp, 'people.csv'), `id,email,age\n1,${EMAILS[0]},31\n2,${EMAILS[1]},47\n3,,52\n`);
  writeFileSync(
    path.join(tmp, 'suite.yml'),
    `version: 1
suite: people
datasets:
  people:
    path: people.csv
    columns:
      email: { pii: true }
  airports:
    path: airports.csv
  contacts:
    sql: SELECT id, lower(email) AS mail FROM people
checks:
  - { type: not_null, dataset: people, columns: id }
  - { type: row_count, dataset: airports, min: 1 }
  - { type: not_null, dataset: contacts, columns: id }
`,
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('quality runs write manifests', () => {
  it('one per dataset read: file datasets hashed, SQL datasets profiled, PII (declared and by lineage) without values', async () => {
    const manifests: DataManifest[] = [];
    const report = await runSuite({ suiteFile: path.join(tmp, 'suite.yml'), tempDirectory: tmp, manifests });
    expect(report.status).toBe('pass');
    const by = new Map(manifests.map((m) => [m.dataset.name, m]));
    expect([...by.keys()].sort()).toEqual(['airports', 'contacts', 'people']);
    const people = by.get('people')!;
    expect(people.row_count).toBe(3);
    expect(people.content_hash).toBe(contentHash([sha256(readFileSync(path.join(tmp, 'people.csv')))]));
    expect(people.dataset.files).toEqual([{ path: 'people.csv', bytes: readFileSync(path.join(tmp, 'people.csv')).length, sha256: sha256(readFileSync(path.join(tmp, 'people.csv'))) }]);
    expect(people.columns.find((c) => c.name === 'email')).toMatchObject({ pii: true, nulls: 1, distinct: 2, min: null, max: null });
    expect(people.columns.find((c) => c.name === 'age')).toMatchObject({ min: 31, max: 52, nulls: 0 });
    // `mail` derives from a PII column: PII by lineage
    const contacts = by.get('contacts')!;
    expect(contacts.dataset.kind).toBe('sql');
    expect(contacts.content_hash).toBeNull();
    expect(contacts.columns.find((c) => c.name === 'mail')).toMatchObject({ pii: true, min: null });
    expect(by.get('airports')!.row_count).toBe(readFileSync(path.join(DATA, 'airports.csv'), 'utf8').trimEnd().split('\n').length - 1);
    const text = JSON.stringify(manifests);
    for (const e of EMAILS) expect(text).not.toContain(e);
    for (const d of report.datasets) expect(d.manifest_digest, d.name).toBe(manifestDigest(by.get(d.name)!));
  });

  it('with manifests and profiles both on, each dataset is profiled once: the report carries the manifest\'s profile', async () => {
    const manifests: DataManifest[] = [];
    const report = await runSuite({ suiteFile: path.join(tmp, 'suite.yml'), tempDirectory: tmp, manifests, profile: true });
    const by = new Map(manifests.map((m) => [m.dataset.name, m]));
    expect(report.datasets.map((d) => d.name).sort()).toEqual(['airports', 'contacts', 'people']);
    // the same object, not an equal one computed by a second scan
    for (const d of report.datasets) expect(d.profile, d.name).toBe(by.get(d.name)!.columns);
    const alone = await runSuite({ suiteFile: path.join(tmp, 'suite.yml'), tempDirectory: tmp, profile: true });
    for (const d of alone.datasets) expect(d.profile, d.name).toEqual(by.get(d.name)!.columns);
  });

  it('without the option nothing changes in the report', async () => {
    const report = await runSuite({ suiteFile: path.join(tmp, 'suite.yml'), tempDirectory: tmp });
    for (const d of report.datasets) expect(d.manifest_digest).toBeUndefined();
  });
});

describe('directory manifests (fixtures, image outputs)', () => {
  it('every data file, named by its relative path; a link leading outside is skipped and said', async () => {
    const dir = path.join(tmp, 'fixtures');
    mkdirSync(path.join(dir, 'ref'), { recursive: true });
    copyFileSync(path.join(DATA, 'airports.csv'), path.join(dir, 'ref', 'airports.csv'));
    copyFileSync(path.join(DATA, 'movies.json'), path.join(dir, 'movies.json'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not data\n');
    symlinkSync(path.join(tmp, 'people.csv'), path.join(dir, 'people.csv'));
    const { manifests, skipped } = await manifestsOfDirectory(dir, { engine: { tempDirectory: tmp }, pii: new Set(['title']) });
    expect(manifests.map((m) => m.dataset.name)).toEqual(['movies.json', 'ref/airports.csv']);
    expect(skipped).toEqual([expect.stringMatching(/^people\.csv: leads outside/)]);
    expect(manifests[0]!.columns.find((c) => c.name === 'Title')).toMatchObject({ pii: true, min: null });
    const out = path.join(tmp, 'written');
    const { recorded } = await recordDirectory(dir, out, 'system-test', 'input', { engine: { tempDirectory: tmp } });
    expect(recorded.map((r) => [r.stage, r.role, r.dataset])).toEqual([
      ['system-test', 'input', 'movies.json'],
      ['system-test', 'input', 'ref/airports.csv'],
    ]);
    for (const r of recorded) expect(manifestDigest(await readManifest(r.file))).toBe(r.digest);
  });
});
