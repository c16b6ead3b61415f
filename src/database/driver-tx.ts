import type { PoolClient, QueryResultRow } from 'pg';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from './prisma.service';

/**
 * Prisma (a client or its transaction) or a transaction on the pg driver: what the append path's
 * repositories take, so that the same SQL serves both (EventAppenderService).
 */
export type SqlDb = Db | DriverTx;

/**
 * Runs `sql` on either. `name` names the statement on the driver, where PostgreSQL prepares it
 * once per connection: one name must always carry one text. Rows decode as each side decodes
 * them (see DriverTx for the driver's types).
 */
export function queryRows<T extends object>(db: SqlDb, name: string, sql: Prisma.Sql): Promise<T[]> {
  return db instanceof DriverTx ? db.query<T>(name, sql) : db.$queryRaw<T[]>(sql);
}

/**
 * An open transaction on one pg connection, outside Prisma (DriverTransactionsService). Takes the
 * same parameterised `Prisma.sql` statements a repository would send through `$queryRaw`. The
 * rows come back as pg decodes them: json parsed, bigint as a string, timestamptz as a Date.
 *
 * The pool's connections pipeline (database-adapter.ts), so BEGIN travels with the first
 * statement and, once `commitAfterNextStatement()` was called, COMMIT with the next one: a plain
 * append (BEGIN, lock-and-read, write, COMMIT) costs two round trips. A statement that fails aborts the transaction,
 * and PostgreSQL answers the COMMIT queued behind it with a rollback.
 */
export class DriverTx {
  private begun: Promise<unknown> | undefined;
  private commitNext = false;
  private committed = false;

  constructor(private readonly client: PoolClient) {
    this.begun = client.query('BEGIN');
    // Its failure reaches the caller through the statement it travels with (or the ROLLBACK).
    this.begun.catch(() => undefined);
  }

  /** A named statement: PostgreSQL parses and plans it once per connection (one name, one text). */
  async query<T extends QueryResultRow>(name: string, sql: Prisma.Sql): Promise<T[]> {
    const statement = this.client.query<T>({ name, text: sql.text, values: sql.values });
    const commit = this.commitNext ? this.client.query('COMMIT') : undefined;
    const [result] = await Promise.all([statement, this.takeBegun(), commit]);
    if (commit) this.committed = true;
    return result.rows;
  }

  /** Marks the next statement as the transaction's last. */
  commitAfterNextStatement(): void {
    this.commitNext = true;
  }

  /** COMMIT, unless it went out with the last statement. */
  async commit(): Promise<void> {
    await this.takeBegun();
    if (!this.committed) await this.client.query('COMMIT');
  }

  private takeBegun(): Promise<unknown> | undefined {
    const begun = this.begun;
    this.begun = undefined;
    return begun;
  }
}
