import type { PoolClient, QueryResultRow } from 'pg';
import type { Prisma } from '../generated/prisma/client';

/**
 * An open transaction on one pg connection, outside Prisma (DriverTransactionsService). Takes the
 * same parameterised `Prisma.sql` statements a repository would send through `$queryRaw`. The
 * rows come back as pg decodes them: json parsed, bigint as a string, timestamptz as a Date.
 */
export class DriverTx {
  constructor(private readonly client: PoolClient) {}

  /** A named statement: PostgreSQL parses and plans it once per connection (one name, one text). */
  async query<T extends QueryResultRow>(name: string, sql: Prisma.Sql): Promise<T[]> {
    const result = await this.client.query<T>({ name, text: sql.text, values: sql.values });
    return result.rows;
  }
}
