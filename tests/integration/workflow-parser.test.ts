/** GitHub's own workflow parser (@actions/workflow-parser, the language service's) reads every workflow we ship without errors. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const files = [
  ...readdirSync(path.join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f)).map((f) => `.github/workflows/${f}`),
  ...readdirSync(path.join(root, 'workflows'))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `workflows/${f}`),
];

describe('@actions/workflow-parser', () => {
  it.each(files.map((f) => [f]))('parses %s without errors', async (file) => {
    const content = readFileSync(path.join(root, file), 'utf8');
    const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it('reports errors on a broken workflow (the check has teeth)', () => {
    const parsed = parseWorkflow({ name: 'bad.yml', content: 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n' }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0);
  });
});
