import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import formatsPluginModule from 'ajv-formats';
import { readSpecDocument } from './read-spec.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = formatsPluginModule.default;

type Json = Record<string, unknown>;

export interface OperationMatch {
  operationId: string;
  method: string;
  /** The spec's path template, e.g. `/v2/droplets/{droplet_id}`. */
  template: string;
  pathParams: Record<string, string>;
}

interface PathTemplate {
  template: string;
  segments: string[];
  literalCount: number;
}

/** Formats OpenAPI 3.0 (and DigitalOcean's spec) uses that JSON Schema does not define: accepted as-is. */
const ANNOTATION_FORMATS = ['int32', 'int64', 'uint32', 'uint64', 'float', 'double', 'byte', 'binary', 'string', 'rfc5424', 'rfc3164', 'cidr', 'url', 'password', ''];

const SPEC_ID = 'openapi';

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${where}${error.instancePath || ''} ${error.message ?? 'is invalid'}${error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ''}`);
}

/**
 * Validates requests and responses against one OpenAPI 3.0 document (DigitalOcean's bundled spec,
 * internal `$ref`s only). The document is parsed once; ajv compiles a validator per schema location
 * on first use and caches it, so only the operations a test touches are compiled.
 */
export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: PathTemplate[];

  private constructor(private readonly spec: Json) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, discriminator: false, unicodeRegExp: false });
    addFormats(this.ajv);
    for (const format of ANNOTATION_FORMATS) this.ajv.addFormat(format, true);
    nullableWithoutType(spec);
    this.ajv.addSchema(spec, SPEC_ID);
    this.templates = Object.keys(spec.paths as Json).map((template) => {
      const segments = template.split('/');
      return { template, segments, literalCount: segments.filter((s) => !s.startsWith('{')).length };
    });
  }

  static fromFile(path: string): OpenApiValidator {
    return new OpenApiValidator(readSpecDocument(path));
  }

  /** Every operation in the spec (method, template, operationId). */
  operations(): { method: string; template: string; operationId: string }[] {
    return this.templates.flatMap(({ template }) =>
      Object.entries((this.spec.paths as Record<string, Json>)[template] ?? {})
        .filter(([, operation]) => typeof (operation as Json | undefined)?.operationId === 'string')
        .map(([method, operation]) => ({ method, template, operationId: (operation as Json).operationId as string })),
    );
  }

  /** The operation for a method and concrete path; literal segments win over templated ones. */
  findOperation(method: string, pathname: string): OperationMatch | undefined {
    const segments = pathname.split('/');
    const lower = method.toLowerCase();
    let best: { match: OperationMatch; literalCount: number } | undefined;
    for (const candidate of this.templates) {
      if (candidate.segments.length !== segments.length) continue;
      const pathParams: Record<string, string> = {};
      const fits = candidate.segments.every((part, index) => {
        const actual = segments[index] ?? '';
        if (part.startsWith('{') && part.endsWith('}')) {
          if (actual === '') return false;
          pathParams[part.slice(1, -1)] = decodeURIComponent(actual);
          return true;
        }
        return part === actual;
      });
      if (!fits) continue;
      const operation = (this.spec.paths as Record<string, Json>)[candidate.template]?.[lower] as Json | undefined;
      if (!operation || typeof operation.operationId !== 'string') continue;
      if (!best || candidate.literalCount > best.literalCount) {
        best = { match: { operationId: operation.operationId, method: lower, template: candidate.template, pathParams }, literalCount: candidate.literalCount };
      }
    }
    return best?.match;
  }

  /** Errors (empty when the request conforms) for a request's path and query parameters and JSON body. */
  validateRequest(match: OperationMatch, request: { query: URLSearchParams; body: unknown }): string[] {
    const errors: string[] = [];
    const operationPointer = `#/paths/${escapePointer(match.template)}/${match.method}`;
    const operation = this.resolve(operationPointer).value;
    const pathLevel = ((this.spec.paths as Record<string, Json>)[match.template]?.parameters as unknown[] | undefined) ?? [];
    const parameters = [
      ...pathLevel.map((_, index) => this.resolve(`#/paths/${escapePointer(match.template)}/parameters/${index}`)),
      ...((operation.parameters as unknown[] | undefined) ?? []).map((_, index) => this.resolve(`${operationPointer}/parameters/${index}`)),
    ];

    const declaredQuery = new Set<string>();
    for (const { value: parameter, pointer } of parameters) {
      const name = parameter.name as string;
      const location = parameter.in as string;
      let raw: string[];
      if (location === 'path') raw = match.pathParams[name] === undefined ? [] : [match.pathParams[name]];
      else if (location === 'query') {
        declaredQuery.add(name);
        raw = request.query.getAll(name);
      } else continue;
      if (raw.length === 0) {
        if (parameter.required === true) errors.push(`${location} parameter "${name}" is required`);
        continue;
      }
      const schemaPointer = `${pointer}/schema`;
      const schema = this.resolve(schemaPointer).value;
      const value = schema.type === 'array' ? raw.map((item) => this.coerce(item, this.resolve(`${schemaPointer}/items`).value)) : this.coerce(raw[0] ?? '', schema);
      const validate = this.validator(schemaPointer);
      if (!validate(value)) errors.push(...formatErrors(`${location} parameter "${name}"`, validate.errors));
    }
    for (const name of new Set(request.query.keys())) {
      if (!declaredQuery.has(name)) errors.push(`query parameter "${name}" is not in the spec for ${match.operationId}`);
    }

    if (operation.requestBody === undefined) {
      if (request.body !== undefined) errors.push(`${match.operationId} takes no request body`);
    } else {
      const { value: requestBody, pointer } = this.resolve(`${operationPointer}/requestBody`);
      if (request.body === undefined) {
        if (requestBody.required === true) errors.push(`${match.operationId} requires a request body`);
      } else {
        const content = requestBody.content as Json | undefined;
        if (!content?.['application/json']) errors.push(`${match.operationId} takes no JSON body`);
        else {
          const validate = this.validator(`${pointer}/content/application~1json/schema`);
          if (!validate(request.body)) errors.push(...formatErrors('request body', validate.errors));
        }
      }
    }
    return errors;
  }

  /** Errors (empty when the response conforms) for a status and JSON body (undefined: no body). */
  validateResponse(match: OperationMatch, status: number, body: unknown): string[] {
    const responsesPointer = `#/paths/${escapePointer(match.template)}/${match.method}/responses`;
    const responses = this.resolve(responsesPointer).value;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((candidate) => responses[candidate] !== undefined);
    if (!key) return [`status ${status} is not a documented response of ${match.operationId}`];
    const { value: response, pointer } = this.resolve(`${responsesPointer}/${key}`);
    const jsonContent = (response.content as Json | undefined)?.['application/json'] as Json | undefined;
    if (body === undefined) {
      return jsonContent?.schema && status !== 204 ? [`the spec gives ${match.operationId} ${status} a JSON body, the fake sent none`] : [];
    }
    if (!jsonContent?.schema) return [`the spec gives ${match.operationId} ${status} no JSON body, the fake sent one`];
    const validate = this.validator(`${pointer}/content/application~1json/schema`);
    return validate(body) ? [] : formatErrors(`response ${status} body`, validate.errors);
  }

  /** Follows `$ref`s from a JSON pointer to the object they land on, returning where it landed. */
  private resolve(pointer: string): { value: Json; pointer: string } {
    let current = pointer;
    for (let hops = 0; hops < 32; hops += 1) {
      const value = current
        .slice(2)
        .split('/')
        .reduce<unknown>((node, token) => (node as Json | undefined)?.[token.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec) as Json | undefined;
      if (value === undefined) throw new Error(`OpenAPI spec has nothing at ${current}`);
      if (typeof value.$ref !== 'string') return { value, pointer: current };
      current = value.$ref;
    }
    throw new Error(`OpenAPI spec: $ref chain too long at ${pointer}`);
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${SPEC_ID}${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  /** Query and path values arrive as text; turn them into the type the parameter schema declares. */
  private coerce(raw: string, schema: Json): unknown {
    const type = schema.type;
    if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
    if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
    return raw;
  }
}

/**
 * OpenAPI 3.0 allows `nullable: true` on a schema without `type` (e.g. a bare `$ref` or `allOf`);
 * ajv only understands `nullable` next to `type`. Such schemas become `anyOf: [schema, null]`.
 */
function nullableWithoutType(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) nullableWithoutType(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Json;
  for (const value of Object.values(schema)) nullableWithoutType(value);
  if (schema.nullable === true && schema.type === undefined) {
    const { nullable: _nullable, ...rest } = schema;
    for (const key of Object.keys(schema)) delete schema[key];
    schema.anyOf = [rest, { type: 'null' }];
  }
}
