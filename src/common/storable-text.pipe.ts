import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from './error-codes';

/** As deep as an event payload may nest (event-validation.ts); deeper input would also overflow the validators' recursion. */
export const MAX_BODY_DEPTH = 64;

/**
 * Refuses (400), in path parameters, query parameters and DTO bodies, what PostgreSQL cannot store
 * as text — NUL characters and unpaired surrogates, which it would answer with an error (a 500) —
 * and bodies nested deeper than MAX_BODY_DEPTH, before class-transformer's recursion meets them.
 * The event routes take their body untyped and check it themselves, in the order of SPEC §5.5
 * (event-validation.ts), with the same messages.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (
      metadata.type === 'custom' ||
      (metadata.type === 'body' && (!metadata.metatype || metadata.metatype === Object))
    )
      return value;
    const inBody = metadata.type === 'body';
    const problem = firstProblem(value, inBody ? '$' : (metadata.data ?? ''));
    if (problem) {
      const path = problem.path.replace(/^\./, '');
      throw new DomainError('invalid_argument', `${path} ${problem.message}`, inBody ? { path } : { fields: [path] });
    }
    return value;
  }
}

type Pending = { value: unknown; path: string; depth: number; key?: string };

/** The first string or key (depth first, in document order) that cannot be stored, or the first level too deep. */
function firstProblem(root: unknown, rootPath: string): { path: string; message: string } | undefined {
  const pending: Pending[] = [{ value: root, path: rootPath, depth: 0 }];
  while (pending.length) {
    const { value, path, depth, key } = pending.pop() as Pending;
    if (key?.includes('\u0000')) return { path, message: 'has a NUL character in its key' };
    if (key !== undefined && !key.isWellFormed()) return { path, message: 'has an unpaired surrogate in its key' };
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { path, message: 'must not contain a NUL character' };
      if (!value.isWellFormed()) return { path, message: 'must be well-formed Unicode (no unpaired surrogates)' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) return { path, message: `is nested deeper than ${MAX_BODY_DEPTH} levels` };
    const children: Pending[] = Array.isArray(value)
      ? value.map((item, i) => ({ value: item, path: `${path}[${i}]`, depth: depth + 1 }))
      : Object.entries(value).map(([name, item]) => ({
          value: item,
          path: `${path}.${name}`,
          depth: depth + 1,
          key: name,
        }));
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return undefined;
}
