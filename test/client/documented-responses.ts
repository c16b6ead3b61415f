import Ajv, { ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { OPENAPI_DOCUMENT } from './client-types';

type Schema = Record<string, unknown>;
type Header = { required?: boolean; schema?: Schema };
type Operation = {
  responses: Record<string, { headers?: Record<string, Header>; content?: Record<string, { schema?: Schema }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'];
const DOCUMENT_ID = 'openapi.json';

/**
 * The document's OpenAPI 3.0 schemas as JSON Schema for Ajv, read strictly: `nullable` admits
 * null (also beside a `$ref`), `$ref`s point into the components, and an object that lists its
 * properties has no others, so a field the service sends but the document omits fails.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const { nullable, ...rest } = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$ref' && typeof value === 'string')
      out.$ref = value.replace('#/components/schemas/', `${DOCUMENT_ID}#/definitions/`);
    else if (key === 'properties')
      out.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([name, schema]) => [name, toJsonSchema(schema)]),
      );
    else out[key] = toJsonSchema(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out.allOf) out.additionalProperties = false;
  return nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

export class DocumentedResponses {
  private readonly document: Document = JSON.parse(readFileSync(OPENAPI_DOCUMENT, 'utf8')) as Document;
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv.addKeyword('example');
    this.ajv.addFormat('date-time', {
      type: 'string',
      validate: (s: string) =>
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)),
    });
    const definitions = Object.fromEntries(
      Object.entries(this.document.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema)]),
    );
    this.ajv.addSchema({ $id: DOCUMENT_ID, definitions });
  }

  /** Every documented operation as `METHOD /path/{template}`. */
  operations(): string[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** The problems of `value` against the component schema `name`; [] when it conforms. */
  checkComponent(name: string, value: unknown): string[] {
    return this.validate(`component ${name}`, { $ref: `#/components/schemas/${name}` }, value);
  }

  /** The problems of a response against its documented status, headers, media type and schema; [] when it conforms. */
  check(operation: string, status: number, headers: Headers, body: unknown): string[] {
    const [method, path] = operation.split(' ');
    const response = this.document.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
    if (!response) return [`${operation}: status ${status} is not documented`];
    const headerProblems = Object.entries(response.headers ?? {}).flatMap(([name, header]) => {
      const value = headers.get(name);
      if (value === null)
        return header.required ? [`${operation} ${status}: documented header ${name} is missing`] : [];
      return header.schema ? this.validate(`${operation} ${status} header ${name}`, header.schema, value) : [];
    });
    const mediaType = (headers.get('content-type') ?? '').split(';')[0].trim();
    const media = response.content?.[mediaType];
    if (!media?.schema)
      return [
        ...headerProblems,
        `${operation} ${status}: no schema documented for content-type ${mediaType || '(none)'}`,
      ];
    return [...headerProblems, ...this.validate(`${operation} ${status} ${mediaType}`, media.schema, body)];
  }

  private validate(key: string, schema: Schema, value: unknown): string[] {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as Schema);
      this.validators.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${key}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }
}
