import { DomainError } from '../../common/error-codes';
import { NOTIFICATION_CATEGORIES, NotificationCategory } from '../notification';

/**
 * An endpoint's category filter as stored: known categories, each once, in SPEC §8's order; an
 * empty list means every category (the outbox insert matches them in SQL, webhook-outbox.sql.ts).
 */
export function normalizeCategories(categories: readonly string[] | undefined): NotificationCategory[] {
  const wanted = new Set(categories ?? []);
  const unknown = [...wanted].filter((c) => !(NOTIFICATION_CATEGORIES as readonly string[]).includes(c));
  if (unknown.length) {
    throw new DomainError('invalid_argument', `categories must be among ${NOTIFICATION_CATEGORIES.join(', ')}`, {
      unknown,
    });
  }
  return NOTIFICATION_CATEGORIES.filter((c) => wanted.has(c));
}
