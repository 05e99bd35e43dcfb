/**
 * Column lineage of an SQL dataset from DuckDB's parse tree (quality/sql.ts), never from regular
 * expressions: an output column reads an input column when the lineage walk of {@link piiOutputs}
 * marks it with only that input column marked. Where the walk cannot decide (table functions,
 * PIVOT, `COLUMNS(…)`), every output reads every input column, as the PII rules assume.
 */
import { piiOutputs, type LineageDataset } from '../quality/sql.ts';

/** An input column an output column reads. */
export interface InputField {
  dataset: string;
  column: string;
}

/**
 * For each output column of `statement` (its names as the engine describes them), the input
 * columns it reads.
 * @param statement parse tree (quality/sql.ts parseSql)
 * @param datasets the datasets the query may read, by name, with their columns in order
 */
export function columnLineage(statement: Record<string, unknown>, datasets: ReadonlyMap<string, readonly string[]>, output: readonly string[]): Record<string, InputField[]> {
  const out: Record<string, InputField[]> = Object.fromEntries(output.map((c) => [c, []]));
  for (const [dataset, columns] of datasets) {
    for (const column of columns) {
      const marked = new Map<string, LineageDataset>([...datasets].map(([name, cols]) => [name, { columns: [...cols], pii: new Set(name === dataset ? [column.toLowerCase()] : []) }]));
      const reads = piiOutputs(statement, marked, output);
      for (const o of output) if (reads.has(o.toLowerCase())) out[o]!.push({ dataset, column });
    }
  }
  return out;
}
