import { Prisma } from '../generated/prisma/client';
import { ComposedWrite } from './composed-write';

const cte = (name: string, value: number) => Prisma.sql`${Prisma.raw(name)} AS (SELECT ${value} AS v)`;

describe('ComposedWrite', () => {
  it('joins its parts into one WITH statement, in the order they were added', () => {
    const write = new ComposedWrite('dg_test').add(['items', cte('a', 1)], ['notices', cte('b', 2)]);
    expect(write.sql.text).toBe('WITH a AS (SELECT $1 AS v), b AS (SELECT $2 AS v) SELECT 1 AS done');
    expect(write.sql.values).toEqual([1, 2]);
  });

  it('is named after its prefix and its parts, so that one name always carries one text', () => {
    const write = new ComposedWrite('dg_test').add(['items', cte('a', 1)]).add(['cursor', cte('c', 3)]);
    expect(write.name).toBe('dg_test_items_cursor');
    const other = new ComposedWrite('dg_test').add(['items', cte('a', 7)]).add(['cursor', cte('c', 9)]);
    expect(other.name).toBe(write.name);
    expect(other.sql.text).toBe(write.sql.text);
  });

  it('runs no statement when it has no parts', async () => {
    const db = { $queryRaw: jest.fn() };
    const write = new ComposedWrite('dg_test');
    expect(write.empty).toBe(true);
    await write.run(db as never);
    expect(db.$queryRaw).not.toHaveBeenCalled();
  });
});
