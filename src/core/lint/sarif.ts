/**
 * SARIF 2.1.0 output for code scanning (github/codeql-action/upload-sarif): one run, the rules
 * that produced findings in `tool.driver.rules`, results with a `physicalLocation` relative to
 * the repository root (`%SRCROOT%`) and a `partialFingerprints` entry that survives line shifts.
 * Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html and
 * https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { helpUrl, ruleMeta } from './rules.ts';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { LintReport } from './types.ts';

/** Tool name and version written into `tool.driver`. */
export const TOOL = { name: 'dataops-lint', version: '0.1.0', informationUri: 'https://github.com/dataops-actions/dataops-actions' };

const SECURITY_SEVERITY: Record<string, string> = { error: '8.0', warning: '5.0', note: '2.0' };

/**
 * Builds the SARIF log of a lint report.
 * @param prefix path of the lint root relative to the repository root (e.g. `""` or `pipelines/a`), prepended to result URIs.
 */
export function toSarif(report: LintReport, prefix = ''): Log {
  const ids = [...new Set(report.findings.map((f) => f.ruleId))].sort();
  const rules: ReportingDescriptor[] = ids.map((id) => {
    const meta = ruleMeta(id);
    const security = meta.tags.includes('security');
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
      shortDescription: { text: meta.short },
      fullDescription: { text: `${meta.short}. ${meta.fix}`.trim() },
      helpUri: helpUrl(id),
      help: { text: meta.fix || meta.short, markdown: `${meta.fix || meta.short}\n\nSee ${helpUrl(id)}` },
      defaultConfiguration: { level: meta.severity },
      properties: { tags: meta.tags, ...(security ? { 'security-severity': SECURITY_SEVERITY[meta.severity] ?? '5.0' } : {}) },
    };
  });
  const lineCache = new Map<string, string[]>();
  const lineText = (file: string, line: number): string => {
    let lines = lineCache.get(file);
    if (!lines) {
      try {
        lines = readFileSync(path.join(report.root, file), 'utf8').split(/\r?\n/);
      } catch {
        lines = [];
      }
      lineCache.set(file, lines);
    }
    return (lines[line - 1] ?? '').trim();
  };
  const seen = new Map<string, number>();
  const results: Result[] = report.findings.map((f) => {
    const uri = prefix ? `${prefix.replace(/\/$/, '')}/${f.file}` : f.file;
    const key = `${f.ruleId}\0${uri}\0${lineText(f.file, f.line)}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return {
      ruleId: f.ruleId,
      ruleIndex: ids.indexOf(f.ruleId),
      level: f.severity,
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, region: { startLine: f.line, startColumn: f.column } } }],
      partialFingerprints: { 'dataopsLintHash/v1': `${createHash('sha256').update(key).digest('hex').slice(0, 32)}:${n}` },
    };
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { ...TOOL, rules } },
        results,
        properties: { skippedLinters: report.skipped, linters: report.ran },
      },
    ],
  };
}
