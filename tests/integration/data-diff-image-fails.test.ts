/**
 * `dataops data diff --base-image … --head-image …` when an image cannot produce its outputs (real
 * buildah, a small image whose entrypoint runs the container's `SCRIPT`, here a transformation that
 * fails with exit 3): the command stops at that image with one line naming the side, the image and
 * the container's own error, exit 1 (a failed run, not a configuration error); nothing is printed
 * on stdout and no report is written, and the other image is not run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveBuildah } from '../helpers/buildah.ts';
import { buildScriptImage, type ExampleImage } from '../helpers/system-test-image.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-diff-image-fails-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let image: ExampleImage;
beforeAll(async () => {
  if (!haveBuildah) return;
  image = await buildScriptImage();
}, 1_800_000);

describe.skipIf(!haveBuildah)('data diff of two images: an image that fails on the fixtures', () => {
  it('exit 1, one line naming the base image and its error; the head image never runs, nothing written', async () => {
    const project = path.join(tmp, 'project');
    mkdirSync(path.join(project, 'fixtures'), { recursive: true });
    writeFileSync(path.join(project, 'fixtures', 'in.csv'), 'id,v\n1,a\n');
    // the transformation reads a column its input lacks and exits 3, as a broken pipeline would
    // (its error carries an escape sequence: the image's text is shown escaped)
    const script = "process.stderr.write('transform: column delay not found in /data/in/in.csv\\u001b[2J\\n'); process.exit(3)";
    writeFileSync(path.join(project, 'dataops.yml'), `version: 1\nname: failing\nimage:\n  system_test:\n    fixtures: fixtures\n    env:\n      SCRIPT: ${JSON.stringify(script)}\n`);
    const work = path.join(tmp, 'work');
    const report = path.join(tmp, 'report.json');
    const args = ['data', 'diff', '--base-image', image.ref, '--base-layout', image.layoutDir, '--head-image', image.ref, '--head-layout', image.layoutDir, '--project', project, '--runner', 'buildah', '--storage-root', image.storageRoot, '--work-dir', work, '--report', report, '--json'];
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } }).then(
      (ok) => ({ code: 0, ...ok }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('internal error');
    const failed = r.stderr.trim().split('\n').filter((l) => l.startsWith('dataops data diff: failed: '));
    expect(failed, r.stderr).toHaveLength(1);
    expect(failed[0]).toContain(`the base image ${image.ref} did not produce its outputs on ${path.join(project, 'fixtures')}`);
    expect(failed[0]).toContain('exit');
    expect(failed[0]).toContain('3');
    expect(failed[0]).toContain('column delay not found in /data/in/in.csv\\u001b[2J');
    expect(r.stderr).not.toContain('\u001b');
    expect(existsSync(report)).toBe(false);
    // the base side ran (its directory is there), the head side did not
    expect(readdirSync(work).sort()).not.toContain('head');
  }, 900_000);
});
