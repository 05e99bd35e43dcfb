/**
 * What the warehouse engines (postgres.ts, bigquery.ts) share: they create nothing in the
 * warehouse, so a dataset becomes a `WITH` prefix of every later statement (dialect.ts
 * `withDatasets`), checked first by describing it, and a request to create anything is refused.
 */
import { StatementShapeError, type DescribedColumn, type Engine, type Row } from './duckdb.ts';

/**
 * The {@link Engine.createView} and {@link Engine.one} of a warehouse engine over its `views`
 * (name, SELECT), its `describe` and its `select`.
 */
export function warehouseViews(views: Array<[string, string]>, describe: (sql: string) => Promise<DescribedColumn[]>, select: <T extends Row = Row>(sql: string) => Promise<T[]>): Pick<Engine, 'createView' | 'one'> {
  return {
    async createView(name: string, sql: string) {
      const body = sql.trim().replace(/;\s*$/, '');
      await describe(body);
      views.push([name, body]);
    },
    async one<T extends Row = Row>(sql: string, type: 'SELECT' | 'CREATE') {
      if (type !== 'SELECT') throw new StatementShapeError('a request to create an object in the warehouse', type);
      return select<T>(sql);
    },
  };
}
