/**
 * The lineage graph of a flow run as a Mermaid flowchart (GitHub renders ```mermaid blocks in
 * Markdown: job summaries, PR comments), drawn from the run's OpenLineage events: the datasets
 * the quality suites checked and the fixtures the image was tested on point at the pipeline image
 * (name@digest), which points at the outputs it wrote; each dataset shows its version (content
 * hash) and its verdict (quality checks passed/failed, or the system test's status for outputs).
 */
import { shortDigest } from '../hash.ts';
import type { LineageDataset, RunEvent } from './openlineage.ts';

/** Text safe inside a Mermaid quoted label. */
function label(s: string): string {
  return s.replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
}

function versionOf(d: LineageDataset): string | undefined {
  const v = (d.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion;
  return v?.startsWith('sha256:') ? shortDigest(v) : v;
}

function verdictOf(d: LineageDataset): string | undefined {
  const a = (d.facets?.dataQualityAssertions as { assertions?: Array<{ success: boolean }> } | undefined)?.assertions;
  if (!a?.length) return undefined;
  const failed = a.filter((x) => !x.success).length;
  return failed ? `quality: ${failed}/${a.length} checks failed` : `quality: ${a.length} checks passed`;
}

function rowsOf(d: LineageDataset): number | undefined {
  const m = (d.inputFacets?.dataQualityMetrics ?? d.outputFacets?.outputStatistics) as { rowCount?: number } | undefined;
  return m?.rowCount;
}

/** The last COMPLETE/FAIL event of each stage job. */
function finals(events: readonly RunEvent[]): Map<string, RunEvent> {
  const out = new Map<string, RunEvent>();
  for (const e of events) if (e.eventType !== 'START' && e.run.facets?.parent) out.set(e.job.name.split('/').pop()!, e);
  return out;
}

/**
 * A Mermaid `flowchart LR` of the run (without the fence: {@link lineageMarkdown} adds it).
 * Stages that read no dataset are not drawn.
 */
export function lineageMermaid(events: readonly RunEvent[]): string {
  const stages = finals(events);
  const ids = new Map<string, string>();
  const lines = ['flowchart LR'];
  // `text`: escaped parts joined by <br/>
  const node = (key: string, text: string, shape: 'box' | 'image' = 'box') => {
    let id = ids.get(key);
    if (id) return id;
    id = `n${ids.size}`;
    ids.set(key, id);
    lines.push(shape === 'image' ? `  ${id}{{"${text}"}}` : `  ${id}["${text}"]`);
    return id;
  };
  const dsNode = (d: LineageDataset, extra?: string) => {
    const rows = rowsOf(d);
    const parts = [d.name, [versionOf(d), rows !== undefined ? `${rows} rows` : undefined].filter(Boolean).join(' · '), verdictOf(d) ?? extra].filter(Boolean);
    return node(`${d.namespace}:${d.name}`, parts.map((p) => label(p!)).join('<br/>'));
  };
  const st = stages.get('system-test');
  const stStatus = st?.run.facets?.dataops_stage as { status?: string; image?: string } | undefined;
  const image = stStatus?.image;
  const imageId = image ? node('image', `pipeline image<br/>${label(image.replace(/@(sha256:[a-f0-9]{64})$/, (_, d: string) => `@${shortDigest(d)}`))}`, 'image') : undefined;
  const q = stages.get('quality');
  if (q) {
    for (const d of q.inputs) {
      const id = dsNode(d);
      if (imageId) lines.push(`  ${id} -. checked .-> ${imageId}`);
    }
    for (const d of q.outputs) {
      const id = dsNode(d);
      const lineage = (d.facets?.columnLineage as { fields?: Record<string, { inputFields: Array<{ namespace: string; name: string }> }> } | undefined)?.fields ?? {};
      const sources = new Set(Object.values(lineage).flatMap((f) => f.inputFields.map((i) => `${i.namespace}:${i.name}`)));
      for (const s of sources) if (ids.has(s)) lines.push(`  ${ids.get(s)!} --> ${id}`);
    }
  }
  if (st) {
    for (const d of st.inputs) lines.push(`  ${dsNode(d)} --> ${imageId ?? node('system-test', 'system test')}`);
    for (const d of st.outputs) lines.push(`  ${imageId ?? node('system-test', 'system test')} --> ${dsNode(d, `system test: ${stStatus?.status ?? '?'}`)}`);
  }
  const v = stages.get('verify-staging');
  if (v && imageId) for (const d of v.inputs) lines.push(`  ${dsNode(d)} -. verified on staging .-> ${imageId}`);
  return lines.join('\n') + '\n';
}

/** The graph as a Markdown section with a ```mermaid block. */
export function lineageMarkdown(events: readonly RunEvent[]): string {
  return `### Lineage\n\n\`\`\`mermaid\n${lineageMermaid(events)}\`\`\`\n`;
}
