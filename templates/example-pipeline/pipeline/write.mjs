// write: the outputs — daily_routes.parquet (typed, zstd) and daily_routes.csv (for humans).
import path from 'node:path';

const sqlString = (s) => `'${s.replace(/'/g, "''")}'`;

/** Writes the outputs into `outDir`; returns the file names. */
export async function write(db, outDir) {
  const sorted = 'SELECT * FROM daily_routes ORDER BY date, origin, destination';
  await db.run(`COPY (${sorted}) TO ${sqlString(path.join(outDir, 'daily_routes.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
  await db.run(`COPY (${sorted}) TO ${sqlString(path.join(outDir, 'daily_routes.csv'))} (FORMAT csv, HEADER true)`);
  return ['daily_routes.parquet', 'daily_routes.csv'];
}
