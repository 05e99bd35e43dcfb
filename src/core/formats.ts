/**
 * Data file formats, once for the whole toolkit: which extension means which format
 * ({@link formatFromPath}), the one reader of each format ({@link readerSql}, DuckDB's read_csv,
 * read_parquet and read_json) with the reader options a suite may pass, and the writer of each
 * format ({@link copyOptions}). A quality suite, a golden comparison of the system test and the
 * scaled input of the performance budget all type a file the same way because they all read it
 * through here.
 */
import { literal, sqlValue } from './engine/quote.ts';

/** File formats DuckDB reads for us (their zod schema: `formatSchema` of fields.ts). */
export const FORMATS = ['csv', 'tsv', 'parquet', 'json', 'ndjson'] as const;
export type DatasetFormat = (typeof FORMATS)[number];

/** Extension (lower case, without a compression suffix) → format. */
const BY_EXTENSION: Readonly<Record<string, DatasetFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
  json: 'json',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
};

/** Compression suffixes DuckDB's text readers open transparently (`.csv.gz`). */
const COMPRESSED = /\.(gz|zst)$/i;

/**
 * Format implied by a file name: `.csv`, `.tsv`/`.tab`, `.parquet`/`.pq`, `.json`,
 * `.ndjson`/`.jsonl`, each optionally followed by `.gz` or `.zst`; undefined for anything else.
 */
export function formatFromPath(file: string): DatasetFormat | undefined {
  const name = file.replace(COMPRESSED, '');
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

/**
 * Reader options a dataset may pass to DuckDB, per reader (read_csv, read_parquet, read_json).
 * Keys outside these lists are refused (an option key is SQL syntax, never data); values are
 * always bound as literals. Options that write (rejects tables), add the file path to the rows
 * (`filename`) or take nested values are left out.
 */
export const READER_OPTIONS: Readonly<Record<'csv' | 'parquet' | 'json', readonly string[]>> = {
  csv: [
    'all_varchar', 'allow_quoted_nulls', 'auto_detect', 'buffer_size', 'comment', 'compression', 'dateformat', 'decimal_separator', 'delim', 'encoding', 'escape',
    'header', 'ignore_errors', 'max_line_size', 'new_line', 'normalize_names', 'null_padding', 'nullstr', 'parallel', 'quote', 'sample_size', 'sep', 'skip', 'strict_mode',
    'thousands', 'timestampformat', 'union_by_name',
  ],
  parquet: ['binary_as_string', 'file_row_number', 'hive_partitioning', 'union_by_name'],
  json: ['auto_detect', 'compression', 'convert_strings_to_integers', 'dateformat', 'date_format', 'field_appearance_threshold', 'format', 'ignore_errors', 'maximum_depth', 'maximum_object_size', 'records', 'sample_size', 'timestampformat', 'timestamp_format', 'union_by_name'],
};

/** The reader of a format: tsv reads with read_csv, ndjson with read_json. */
function readerOf(format: DatasetFormat): 'csv' | 'parquet' | 'json' {
  return format === 'tsv' ? 'csv' : format === 'ndjson' ? 'json' : format;
}

/** The reader option list of a format. */
export function readerOptionsOf(format: DatasetFormat): readonly string[] {
  return READER_OPTIONS[readerOf(format)];
}

/** Reader option values: scalars only, bound as SQL literals. */
export type ReaderOptions = Partial<Record<string, string | number | boolean>>;

/**
 * The DuckDB table function reading `files` (absolute paths, in order) as `format` with
 * `options`: `read_parquet([…])`, `read_csv([…], …)` (tsv: `delim = '\t'` unless a delimiter is
 * given), `read_json([…], …)` (ndjson: `format = 'newline_delimited'` unless a format is given).
 * Option keys are the caller's to check against {@link readerOptionsOf}; values are literals.
 */
export function readerSql(files: readonly string[], format: DatasetFormat, options: ReaderOptions = {}): string {
  const list = `[${files.map(literal).join(', ')}]`;
  const opts = Object.entries(options).flatMap(([k, v]) => (v === undefined ? [] : [`${k} = ${sqlValue(v)}`]));
  const implied: string[] = [];
  if (format === 'tsv' && options.delim === undefined && options.sep === undefined) implied.push("delim = '\\t'");
  if (format === 'ndjson' && options.format === undefined) implied.push("format = 'newline_delimited'");
  return `read_${readerOf(format)}(${[list, ...implied, ...opts].join(', ')})`;
}

/** `COPY … TO` options writing `format`: CSV and TSV with a header row, JSON one object per line. */
export function copyOptions(format: DatasetFormat): string {
  switch (format) {
    case 'parquet':
      return '(FORMAT parquet)';
    case 'json':
    case 'ndjson':
      return '(FORMAT json)';
    case 'tsv':
      return "(FORMAT csv, HEADER, DELIMITER '\\t')";
    default:
      return '(FORMAT csv, HEADER)';
  }
}
