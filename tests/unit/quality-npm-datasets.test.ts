/**
 * `npm:` datasets outside this checkout (issue 12): a repository of its own (a runner checkout)
 * has no node_modules/vega-datasets, so the actions install the data packages their bundle pins
 * (vega-datasets) into the tool cache when a dataset names one. What that may read stays confined
 * (issue 9): the installed package's directory only, no other package is ever installed, and a
 * failed install is this dataset's configuration error, not the run's.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { PathAccessError } from '../../src/core/paths.ts';
import { resolveDatasetFiles, type DataRoots, type DeclaredDataset } from '../../src/core/quality/load.ts';
import { bundledRuntime } from '../../src/core/runtime/modules.ts';
import { runtimeLockName } from '../../src/core/runtime/packages.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'npm-datasets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const project = path.join(tmp, 'project');
/** Where a runtime install of the data package lies (a node_modules tree in the tool cache). */
/** (A name this checkout's node_modules lacks: resolution also searches from the cwd, the repository.) */
const PKG = 'dataops-test-data';
const installed = path.join(tmp, `tool-cache/dataops-${PKG}/1.0.0/linux-x64/node_modules/${PKG}`);
const outside = path.join(tmp, 'outside');
mkdirSync(project, { recursive: true });
mkdirSync(path.join(installed, 'data'), { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(path.join(installed, 'package.json'), `{"name":"${PKG}","version":"1.0.0"}`);
writeFileSync(path.join(installed, 'data', 'airports.csv'), 'iata,name\nORD,Chicago\n');
writeFileSync(path.join(outside, 'canary.csv'), 'secret\nCANARY\n');
writeFileSync(path.join(outside, 'package.json'), `{"name":"${PKG}"}`);

const decl = (p: string): DeclaredDataset => ({ name: 'x', spec: { path: p }, baseDir: project, origin: { file: path.join(project, 'dataops.yml'), line: 3 } });
/** Roots whose data-package resolver records what it was asked for and answers `dir` for PKG (as the runtime does for vega-datasets). */
function roots(dir: string | Error = installed): DataRoots & { asked: string[] } {
  const asked: string[] = [];
  return {
    root: project,
    asked,
    dataPackage: (name) => {
      asked.push(name);
      if (name !== PKG) return Promise.resolve(undefined);
      return dir instanceof Error ? Promise.reject(dir) : Promise.resolve(dir);
    },
  };
}
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('npm: datasets with the runtime data packages', () => {
  it('reads a file of the installed data package when the project has no node_modules copy', async () => {
    const r = roots();
    const files = await resolveDatasetFiles(decl(`npm:${PKG}/data/airports.csv`), r);
    expect(files).toEqual({ files: [path.join(installed, 'data', 'airports.csv')], format: 'csv' });
    expect(r.asked).toEqual([PKG]);
  });

  it('keeps the package confined: npm:<package>/../.. is refused before anything outside is read', async () => {
    const err = await refusal(resolveDatasetFiles(decl(`npm:${PKG}/../../../../../../outside/canary.csv`), roots()));
    expect(err).toBeInstanceOf(PathAccessError);
    expect(String((err as Error).message)).toMatch(/its npm package/);
    expect(String((err as Error).message)).not.toContain('CANARY');
  });

  it('never installs another package: it is "not installed", with the pinned data packages named', async () => {
    const r = roots();
    const err = await refusal(resolveDatasetFiles(decl('npm:left-pad/data.csv'), r));
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toBe(
      `${path.join(project, 'dataops.yml')}:3: datasets.x.path: npm package of "npm:left-pad/data.csv" is not installed. Install it (npm install left-pad) or use a file path (the actions install no other npm package than the data packages dataops-actions pins: vega-datasets).`,
    );
  });

  it('refuses an install that is no node_modules tree (a directory elsewhere holding a package.json)', async () => {
    const err = await refusal(resolveDatasetFiles(decl(`npm:${PKG}/canary.csv`), roots(outside)));
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toContain('is not installed');
  });

  it('a failed install (offline) is this dataset\'s configuration error, naming it and the cause', async () => {
    const err = await refusal(resolveDatasetFiles(decl(`npm:${PKG}/data/airports.csv`), roots(new Error('"npm ci" did not finish within 600 s (registry unreachable?)'))));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).not.toBeInstanceOf(PathAccessError);
    expect(String((err as Error).message)).toContain(`datasets.x.path: cannot install the npm package of "npm:${PKG}/data/airports.csv": "npm ci" did not finish within 600 s (registry unreachable?)`);
  });

  it('prefers the project\'s own node_modules copy (nothing installed)', async () => {
    const own = path.join(project, 'node_modules', PKG);
    mkdirSync(path.join(own, 'data'), { recursive: true });
    writeFileSync(path.join(own, 'package.json'), `{"name":"${PKG}","version":"1.0.0"}`);
    writeFileSync(path.join(own, 'data', 'airports.csv'), 'iata\nORD\n');
    try {
      const r = roots();
      expect((await resolveDatasetFiles(decl(`npm:${PKG}/data/airports.csv`), r)).files).toEqual([path.join(own, 'data', 'airports.csv')]);
      expect(r.asked).toEqual([]);
    } finally {
      rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    }
  });
});

describe('bundledRuntime().dataPackage', () => {
  it('exists only next to a data package lock, and answers undefined (no install, no network) for any other package', async () => {
    const bundle = path.join(tmp, 'bundle');
    mkdirSync(bundle, { recursive: true });
    expect(bundledRuntime(bundle, { toolCache: path.join(tmp, 'tc') }).dataPackage).toBeUndefined();
    writeFileSync(path.join(bundle, runtimeLockName('vega-datasets')), '{}');
    const runtime = bundledRuntime(bundle, { toolCache: path.join(tmp, 'tc') });
    expect(await runtime.dataPackage!('left-pad')).toBeUndefined();
    expect(await runtime.dataPackage!('@duckdb/node-api')).toBeUndefined();
  });
});

// a project node_modules entry linked outside is refused as before (issue 9): the pinned install serves instead
describe('a project node_modules entry linked outside', () => {
  it('is never read: the file is looked up in the pinned install only', async () => {
    mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    symlinkSync(outside, path.join(project, 'node_modules', PKG));
    try {
      const r = roots();
      const err = await refusal(resolveDatasetFiles(decl(`npm:${PKG}/canary.csv`), r));
      expect(err).toBeInstanceOf(ConfigError);
      expect(String((err as Error).message)).toContain(`"npm:${PKG}/canary.csv" matches no file`);
      expect(String((err as Error).message)).not.toContain('CANARY');
      expect(r.asked).toEqual([PKG]);
      expect((await resolveDatasetFiles(decl(`npm:${PKG}/data/airports.csv`), r)).files).toEqual([path.join(installed, 'data', 'airports.csv')]);
    } finally {
      rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    }
  });
});
