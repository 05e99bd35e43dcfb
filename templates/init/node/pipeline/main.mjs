#!/usr/bin/env node
// Pipeline scaffolded by `dataops init`: extract → validate → transform → validate → write, with
// Node.js alone (no dependency, so the image needs no npm install). Replace the transform with yours.
//
// Reads every *.csv file of --in (default /data/in), and writes to --out (default /data/out):
//   <name>.csv   the rows of <name>.csv, cells trimmed, rows with the wrong number of cells and
//                exact duplicate rows dropped (same columns, same order as the input);
//   pipeline_summary.csv  one row per input: dataset, columns, rows_in, rows_out, rejected, duplicates.
// Exit codes: 0 written; 1 a validation failed (message names the check); 2 bad usage or no input.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    in: { type: 'string', default: process.env.DATAOPS_IN ?? '/data/in' },
    out: { type: 'string', default: process.env.DATAOPS_OUT ?? '/data/out' },
  },
});
const log = (msg) => process.stderr.write(`[pipeline] ${msg}\n`);

class ValidationError extends Error {}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const quote = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const toCsv = (rows) => rows.map((r) => r.map(quote).join(',')).join('\n') + '\n';

/** Extract: the CSV files of the input directory, parsed. */
async function extract(inDir) {
  let names;
  try {
    names = (await readdir(inDir)).filter((f) => f.toLowerCase().endsWith('.csv')).sort();
  } catch {
    throw Object.assign(new Error(`input directory ${inDir} cannot be read`), { code: 'INPUT' });
  }
  if (names.length === 0) throw Object.assign(new Error(`no .csv file in ${inDir}`), { code: 'INPUT' });
  const inputs = [];
  for (const name of names) inputs.push({ name, rows: parseCsv((await readFile(path.join(inDir, name), 'utf8')).replace(/^\uFEFF/, '')) });
  return inputs;
}

/** Validate inputs: a header with named, distinct columns. */
function validateInput({ name, rows }) {
  const header = rows[0];
  if (!header || header.every((h) => h.trim() === '')) throw new ValidationError(`${name}: no header row`);
  const seen = new Set();
  for (const h of header) {
    if (h.trim() === '') throw new ValidationError(`${name}: a column has no name`);
    if (seen.has(h.trim())) throw new ValidationError(`${name}: column "${h.trim()}" appears twice`);
    seen.add(h.trim());
  }
}

/** Transform: trim cells, drop rows with the wrong number of cells and exact duplicates. */
function transform({ name, rows }) {
  const header = rows[0].map((h) => h.trim());
  const seen = new Set();
  const out = [header];
  let rejected = 0;
  let duplicates = 0;
  const body = rows.slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
  for (const r of body) {
    if (r.length !== header.length) {
      rejected++;
      continue;
    }
    const cells = r.map((c) => c.trim());
    const key = JSON.stringify(cells);
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    out.push(cells);
  }
  return { name, rows: out, summary: [path.basename(name, path.extname(name)), String(header.length), String(body.length), String(out.length - 1), String(rejected), String(duplicates)] };
}

/** Validate outputs: every input kept at least one row. */
function validateOutput(result) {
  if (result.rows.length < 2) throw new ValidationError(`${result.name}: no row left after the transform`);
}

async function main() {
  const started = Date.now();
  const inputs = await extract(path.resolve(values.in));
  log(`extract: ${inputs.map((i) => `${i.name} (${i.rows.length - 1} rows)`).join(', ')}`);
  inputs.forEach(validateInput);
  log('validate inputs: ok');
  const results = inputs.map(transform);
  log(`transform: ${results.map((r) => `${r.name} → ${r.rows.length - 1} rows`).join(', ')}`);
  results.forEach(validateOutput);
  log('validate outputs: ok');
  const outDir = path.resolve(values.out);
  await mkdir(outDir, { recursive: true });
  for (const r of results) await writeFile(path.join(outDir, r.name), toCsv(r.rows));
  await writeFile(path.join(outDir, 'pipeline_summary.csv'), toCsv([['dataset', 'columns', 'rows_in', 'rows_out', 'rejected', 'duplicates'], ...results.map((r) => r.summary)]));
  log(`write: ${results.map((r) => r.name).join(', ')}, pipeline_summary.csv to ${outDir} in ${Date.now() - started} ms`);
}

try {
  await main();
} catch (err) {
  if (err instanceof ValidationError) {
    log(`validation failed: ${err.message}`);
    process.exitCode = 1;
  } else if (err && err.code === 'INPUT') {
    log(`input error: ${err.message}`);
    process.exitCode = 2;
  } else {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  }
}
