import { Prisma } from '../generated/prisma/client';
import { queryRows, type SqlDb } from './driver-tx';

/** One CTE of a composed write and its name (the CTE names itself inside `cte`). */
export type StatementPart = [name: string, cte: Prisma.Sql];

/**
 * The one-statement write (docs/architecture.md, "The two transaction paths"): each module
 * contributes its own fragments — ingestion the event and its trace (eventWriteCtes), workflow the
 * items, actions and cursor, notifications the notices and their webhook outbox rows — and this
 * puts them together as `WITH <parts> SELECT 1 AS done`, so that one round trip writes them all
 * and the counting triggers see them as they would separate writes.
 *
 * On the pg driver PostgreSQL prepares a named statement once per connection, and one name must
 * always carry one text: the statement is named after its prefix and the names of its parts, in
 * order, and every part has a fixed text for a given name (its rows travel as one JSON parameter).
 */
export class ComposedWrite {
  private readonly parts: StatementPart[] = [];

  constructor(private readonly prefix: string) {}

  add(...parts: StatementPart[]): this {
    this.parts.push(...parts);
    return this;
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** The driver statement's name: one per combination of parts, hence one text per name. */
  get name(): string {
    return [this.prefix, ...this.parts.map(([part]) => part)].join('_');
  }

  get sql(): Prisma.Sql {
    return Prisma.sql`WITH ${Prisma.join(
      this.parts.map(([, cte]) => cte),
      ', ',
    )} SELECT 1 AS done`;
  }

  /** Runs the statement; nothing to write, no statement. */
  async run(db: SqlDb): Promise<void> {
    if (this.empty) return;
    await queryRows(db, this.name, this.sql);
  }
}
