import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './error-codes';

/**
 * Refuses NUL characters in path parameters, query parameters and DTO bodies (400) before they
 * reach PostgreSQL, which cannot store them in text and would answer with an error (a 500). The
 * event routes take their body untyped and check it themselves, in the order of SPEC §5.5
 * (event-validation.ts), with the same message.
 */
@Injectable()
export class NulCharacterPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom' || (metadata.type === 'body' && (!metadata.metatype || metadata.metatype === Object))) return value;
    const where = metadata.type === 'body' ? '$' : (metadata.data ?? '');
    const path = nulPath(value, where);
    if (path !== undefined) {
      const field = metadata.type === 'body' ? { path } : { fields: [path.replace(/^\./, '')] };
      throw new DomainError('invalid_argument', `${path.replace(/^\./, '')} must not contain a NUL character`, field);
    }
    return value;
  }
}

/** The path of the first string (or object key) holding a NUL character, if any. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulPath(item, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (key.includes('\u0000')) return at;
      const found = nulPath(item, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
