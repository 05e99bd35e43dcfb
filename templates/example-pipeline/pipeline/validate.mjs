// validate: assertions on the inputs (schema, nulls, ranges, keys) and on the outputs. Fail fast
// with a message naming the table, the check and an example of an offending row.

/** A failed data assertion: the pipeline stops and exits 1. */
export class ValidationError extends Error {
  name = 'ValidationError';
}

const EXPECTED_FLIGHTS = { date: 'TIMESTAMP', delay: 'BIGINT', distance: 'BIGINT', origin: 'VARCHAR', destination: 'VARCHAR' };

async function rows(db, sql) {
  return (await db.runAndReadAll(sql)).getRowObjectsJson();
}

async function expectNone(db, table, check, where) {
  const bad = await rows(db, `SELECT count(*) OVER () AS n, * FROM ${table} WHERE ${where} LIMIT 1`);
  if (bad.length > 0) {
    const { n, ...example } = bad[0];
    throw new ValidationError(`${table}: ${check}: ${n} row(s) fail, e.g. ${JSON.stringify(example)}`);
  }
}

/** Input assertions on `flights` and `airports`. @throws ValidationError */
export async function validateInputs(db) {
  const schema = Object.fromEntries((await rows(db, 'DESCRIBE flights')).map((r) => [r.column_name, r.column_type]));
  for (const [column, type] of Object.entries(EXPECTED_FLIGHTS)) {
    if (!(column in schema)) throw new ValidationError(`flights: schema: column "${column}" is missing (have ${Object.keys(schema).join(', ')})`);
    if (schema[column] !== type && !(type === 'BIGINT' && /INT/.test(schema[column]))) throw new ValidationError(`flights: schema: column "${column}" is ${schema[column]}, expected ${type}`);
  }
  const n = Number((await rows(db, 'SELECT count(*) AS n FROM flights'))[0].n);
  if (n === 0) throw new ValidationError('flights: not empty: the input has no rows');
  await expectNone(db, 'flights', 'not null (date, origin, destination, delay, distance)', 'date IS NULL OR origin IS NULL OR destination IS NULL OR delay IS NULL OR distance IS NULL');
  await expectNone(db, 'flights', 'IATA codes are 3 upper-case letters/digits', "NOT regexp_full_match(origin, '[A-Z0-9]{3}') OR NOT regexp_full_match(destination, '[A-Z0-9]{3}')");
  await expectNone(db, 'flights', 'origin differs from destination', 'origin = destination');
  await expectNone(db, 'flights', 'delay between -120 and 2880 minutes', 'delay < -120 OR delay > 2880');
  await expectNone(db, 'flights', 'distance between 1 and 6000 miles', 'distance < 1 OR distance > 6000');
  await expectNone(db, 'airports', 'iata not null', 'iata IS NULL');
  const dup = await rows(db, 'SELECT iata, count(*) AS n FROM airports GROUP BY iata HAVING count(*) > 1 LIMIT 1');
  if (dup.length > 0) throw new ValidationError(`airports: iata unique: "${dup[0].iata}" appears ${dup[0].n} times`);
  const unknown = await rows(db, 'SELECT DISTINCT origin AS code FROM flights WHERE origin NOT IN (SELECT iata FROM airports) UNION SELECT DISTINCT destination FROM flights WHERE destination NOT IN (SELECT iata FROM airports) ORDER BY 1 LIMIT 5');
  if (unknown.length > 0) throw new ValidationError(`flights: airports known: ${unknown.map((r) => r.code).join(', ')} not in airports.csv`);
}

/** Output assertions on `daily_routes`; `inputFlights` is the number of input rows. @throws ValidationError */
export async function validateOutputs(db, inputFlights) {
  const [summary] = await rows(db, 'SELECT count(*) AS n, sum(flights) AS flights, count(DISTINCT (date, origin, destination)) AS keys FROM daily_routes');
  if (Number(summary.n) === 0) throw new ValidationError('daily_routes: not empty: no rows were produced');
  if (Number(summary.keys) !== Number(summary.n)) throw new ValidationError(`daily_routes: (date, origin, destination) unique: ${summary.n} rows but ${summary.keys} keys`);
  if (Number(summary.flights) !== inputFlights) throw new ValidationError(`daily_routes: flights add up: ${summary.flights} aggregated vs ${inputFlights} input rows`);
  await expectNone(db, 'daily_routes', 'on_time_ratio between 0 and 1', 'on_time_ratio < 0 OR on_time_ratio > 1');
  await expectNone(db, 'daily_routes', 'flights at least 1', 'flights < 1');
  await expectNone(db, 'daily_routes', 'states known', 'origin_state IS NULL OR destination_state IS NULL');
}
