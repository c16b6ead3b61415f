import { sqlTextList } from './sql-literals';

describe('sqlTextList', () => {
  it('quotes each value as a text literal, in order', () => {
    expect(sqlTextList(['requested', 'in_review']).sql).toBe("('requested', 'in_review')");
  });

  it('doubles a quote inside a value, so a value cannot end its literal', () => {
    expect(sqlTextList(["it's"]).sql).toBe("('it''s')");
  });

  it('refuses an empty list, which is not valid SQL', () => {
    expect(() => sqlTextList([])).toThrow('at least one value');
  });
});
