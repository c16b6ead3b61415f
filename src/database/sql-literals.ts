import { Prisma } from '../generated/prisma/client';

/**
 * `('a', 'b')`: a list of text literals, for the places where a parameter will not do — PostgreSQL
 * uses a partial index only where it can prove the index's predicate from the query as planned,
 * and a generic plan sees parameters as unknowns. Only for constants of the code (status sets,
 * event types), never for input: the values are quoted, but they are not parameters.
 */
export function sqlTextList(values: readonly string[]): Prisma.Sql {
  if (values.length === 0) throw new Error('sqlTextList needs at least one value');
  return Prisma.raw(`(${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})`);
}
