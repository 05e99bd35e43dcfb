// transform: daily route aggregates. A flight is on time when it arrived less than 15 minutes late
// (the US DOT definition). Rows are ordered by (date, origin, destination) so outputs are stable.

/** Creates table `daily_routes`; returns its row count. */
export async function transform(db) {
  await db.run(`
    CREATE TABLE daily_routes AS
    SELECT
      CAST(f.date AS DATE) AS date,
      f.origin,
      f.destination,
      o.state AS origin_state,
      d.state AS destination_state,
      CAST(count(*) AS INTEGER) AS flights,
      round(avg(f.delay), 3) AS avg_delay_min,
      CAST(median(f.delay) AS DOUBLE) AS median_delay_min,
      round(avg(CASE WHEN f.delay < 15 THEN 1.0 ELSE 0.0 END), 4) AS on_time_ratio,
      CAST(max(f.distance) AS INTEGER) AS distance_miles
    FROM flights f
    LEFT JOIN airports o ON o.iata = f.origin
    LEFT JOIN airports d ON d.iata = f.destination
    GROUP BY ALL
    ORDER BY date, origin, destination`);
  return Number((await db.runAndReadAll('SELECT count(*) FROM daily_routes')).getRows()[0][0]);
}
