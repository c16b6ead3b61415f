import { DomainError } from './error-codes';

/** Opaque pagination cursors: base64url JSON, checked on the way back in. */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(
  cursor: string,
  isValid: (v: Record<string, unknown>) => v is T,
): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  // Strings go back into queries: none may carry what PostgreSQL cannot store as text.
  const storable = (v: unknown) => typeof v !== 'string' || (!v.includes('\u0000') && v.isWellFormed());
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every(storable) ||
    !isValid(value as Record<string, unknown>)
  ) {
    throw new DomainError('invalid_argument', 'cursor is invalid; pass the next_cursor of the previous page unchanged');
  }
  return value as T;
}
