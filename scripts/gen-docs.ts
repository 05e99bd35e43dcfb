/**
 * Renders the inputs/outputs tables of every action (action.yml at the root and under actions/)
 * into README.md between `<!-- action-reference:start -->` and `<!-- action-reference:end -->`.
 * `--check` exits 1 when README.md is stale (a test runs it).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

interface ActionMeta {
  name: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string };
}

const root = path.resolve(import.meta.dirname, '..');
const START = '<!-- action-reference:start -->';
const END = '<!-- action-reference:end -->';

const cell = (s: unknown) => (typeof s === 'string' ? s : s === undefined || s === null ? '' : JSON.stringify(s)).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();

/** Markdown reference of all actions, in a stable order (root first). */
export async function renderActionReference(): Promise<string> {
  const dirs = (await readdir(path.join(root, 'actions'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const entries: Array<{ uses: string; file: string }> = [{ uses: 'dataops-actions/dataops-actions', file: 'action.yml' }, ...dirs.map((d) => ({ uses: `dataops-actions/dataops-actions/actions/${d}`, file: `actions/${d}/action.yml` }))];
  const out: string[] = [];
  for (const { uses, file } of entries) {
    const meta = parse(await readFile(path.join(root, file), 'utf8')) as ActionMeta;
    out.push(`### \`${uses}\``, '', `${cell(meta.description)} (${meta.runs.using}; [\`${file}\`](${file}))`, '');
    const inputs = Object.entries(meta.inputs ?? {});
    if (inputs.length) {
      out.push('| input | required | default | description |', '| --- | --- | --- | --- |');
      for (const [k, v] of inputs) out.push(`| \`${k}\` | ${v.required ? 'yes' : 'no'} | ${v.default !== undefined ? `\`${cell(v.default)}\`` : ''} | ${cell(v.description)} |`);
      out.push('');
    }
    const outputs = Object.entries(meta.outputs ?? {});
    if (outputs.length) {
      out.push('| output | description |', '| --- | --- |');
      for (const [k, v] of outputs) out.push(`| \`${k}\` | ${cell(v.description)} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

/** README text with the reference block replaced. @throws when the markers are missing. */
export async function renderReadme(): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return readme.slice(0, a + START.length) + '\n\n' + (await renderActionReference()) + '\n' + readme.slice(b);
}

if (import.meta.main) {
  const next = await renderReadme();
  const current = await readFile(path.join(root, 'README.md'), 'utf8');
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write('README.md action reference is stale: run node scripts/gen-docs.ts\n');
      process.exit(1);
    }
  } else if (next !== current) {
    await writeFile(path.join(root, 'README.md'), next);
    process.stderr.write('updated README.md action reference\n');
  }
}
