// extract: loads the raw inputs into DuckDB tables `flights` and `airports`.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const sqlString = (s) => `'${s.replace(/'/g, "''")}'`;

function inputError(message) {
  return Object.assign(new Error(message), { code: 'INPUT' });
}

/** Loads `flights*.parquet` (one or more files) and `airports.csv` from `inDir`. Returns row counts. */
export async function extract(db, inDir) {
  if (!existsSync(inDir)) throw inputError(`input directory ${inDir} does not exist`);
  const names = readdirSync(inDir);
  const flights = names.filter((f) => /^flights.*\.parquet$/.test(f)).sort().map((f) => path.join(inDir, f));
  if (flights.length === 0) throw inputError(`no flights*.parquet in ${inDir} (found: ${names.join(', ') || 'nothing'})`);
  const airports = path.join(inDir, 'airports.csv');
  if (!existsSync(airports)) throw inputError(`no airports.csv in ${inDir}`);
  await db.run(`CREATE TABLE flights AS SELECT * FROM read_parquet([${flights.map(sqlString).join(', ')}])`);
  await db.run(
    `CREATE TABLE airports AS SELECT * FROM read_csv(${sqlString(airports)}, header = true, columns = {'iata': 'VARCHAR', 'name': 'VARCHAR', 'city': 'VARCHAR', 'state': 'VARCHAR', 'country': 'VARCHAR', 'latitude': 'DOUBLE', 'longitude': 'DOUBLE'})`,
  );
  const one = async (sql) => Number((await db.runAndReadAll(sql)).getRows()[0][0]);
  return { flights: await one('SELECT count(*) FROM flights'), airports: await one('SELECT count(*) FROM airports') };
}
