import { DomainError } from '../../common/error-codes';
import { normalizeCategories } from './webhook-categories';

describe(normalizeCategories.name, () => {
  it('treats an absent or empty filter as "all categories" (stored as an empty list)', () => {
    expect(normalizeCategories(undefined)).toEqual([]);
    expect(normalizeCategories([])).toEqual([]);
  });

  it('keeps each category once, in the order of SPEC §8', () => {
    expect(normalizeCategories(['failure', 'assignment', 'failure', 'escalation'])).toEqual([
      'assignment',
      'escalation',
      'failure',
    ]);
  });

  it('refuses an unknown category, naming it', () => {
    expect(() => normalizeCategories(['approval', 'billing'])).toThrow(DomainError);
    try {
      normalizeCategories(['approval', 'billing']);
    } catch (e) {
      expect((e as DomainError).details).toEqual({ unknown: ['billing'] });
    }
  });
});
