// Every operation of a dereferenced OpenAPI document as an MCP tool: its name, description and
// input schema, plus what a call needs to build the HTTP request (where each argument goes).
// Handles Swagger 2.0 and OpenAPI 3.0/3.1 side by side instead of converting one into the other.

type Obj = Record<string, unknown>;

export type ParamLocation = 'path' | 'query' | 'header' | 'cookie' | 'formData';

export interface ParamBinding {
  /** Argument name in the tool's input schema. */
  arg: string;
  /** Name on the wire. */
  name: string;
  in: ParamLocation;
  required: boolean;
  /** How arrays/objects are serialised in a query (Swagger 2 collectionFormat / OAS 3 style+explode). */
  style: 'form' | 'csv' | 'ssv' | 'tsv' | 'pipes' | 'deepObject';
  explode: boolean;
  /** OAS 3 `content` parameters are sent as JSON text. */
  json: boolean;
}

export interface BodyBinding {
  arg: string;
  mediaType: string;
  encoding: 'json' | 'form' | 'text';
  required: boolean;
}

export interface OperationTool {
  name: string;
  operationId?: string;
  method: string;
  path: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, Obj>; required?: string[] };
  annotations: Record<string, unknown>;
  params: ParamBinding[];
  body?: BodyBinding;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const MAX_NAME = 64;

/** operationId → tool name: characters outside [A-Za-z0-9_-] become "_", at most 64 of them. */
export function sanitizeToolName(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_NAME);
}

/** A name for an operation without operationId: method and path, e.g. get_pets_petId_photo. */
export function methodPathName(method: string, path: string): string {
  const words = path
    .split('/')
    .map((seg) => seg.replace(/[{}]/g, '').replace(/[^A-Za-z0-9_-]+/g, '_'))
    .filter((seg) => seg !== '' && seg !== '_');
  return sanitizeToolName([method.toLowerCase(), ...words].join('_').replace(/_+/g, '_'));
}

export function isSwagger2(doc: Obj): boolean {
  return typeof doc.swagger === 'string';
}

export interface ExtractOptions {
  include?: string[];
  exclude?: string[];
  /** Called for things worth telling the operator (skipped operations, unknown include entries). */
  warn?: (message: string) => void;
}

export function extractTools(doc: Obj, opts: ExtractOptions = {}): OperationTool[] {
  const warn = opts.warn ?? (() => {});
  const paths = (isObj(doc.paths) ? doc.paths : {}) as Record<string, Obj>;
  const swagger2 = isSwagger2(doc);
  const globalConsumes = asStrings(doc.consumes);
  const tools: OperationTool[] = [];
  const taken = new Set<string>();

  for (const path of Object.keys(paths).sort()) {
    const item = paths[path];
    if (!isObj(item)) continue;
    const shared = asArray(item.parameters);
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      const operationId =
        typeof op.operationId === 'string' && op.operationId !== '' ? op.operationId : undefined;
      let name = operationId ? sanitizeToolName(operationId) : methodPathName(method, path);
      if (/^_*$/.test(name)) {
        warn(`${method.toUpperCase()} ${path}: skipped (no usable tool name)`);
        continue;
      }
      if (taken.has(name)) {
        let n = 2;
        while (taken.has(`${name.slice(0, MAX_NAME - 3)}_${n}`)) n++;
        const renamed = `${name.slice(0, MAX_NAME - 3)}_${n}`;
        warn(`${method.toUpperCase()} ${path}: tool name "${name}" already used, named "${renamed}"`);
        name = renamed;
      }
      const tool = buildTool(name, operationId, method, path, op, shared, swagger2, globalConsumes);
      if (!selected(tool, opts)) continue;
      taken.add(name);
      tools.push(tool);
    }
  }

  for (const entry of opts.include ?? []) {
    if (!tools.some((t) => t.name === entry || t.operationId === entry)) {
      warn(`operations.include: no operation "${entry}" in the spec`);
    }
  }
  return tools;
}

function selected(tool: OperationTool, opts: ExtractOptions): boolean {
  const matches = (list: string[]) =>
    list.includes(tool.name) || (tool.operationId !== undefined && list.includes(tool.operationId));
  if (opts.include && opts.include.length > 0) return matches(opts.include);
  if (opts.exclude && opts.exclude.length > 0) return !matches(opts.exclude);
  return true;
}

function buildTool(
  name: string,
  operationId: string | undefined,
  method: string,
  path: string,
  op: Obj,
  shared: unknown[],
  swagger2: boolean,
  globalConsumes: string[],
): OperationTool {
  const properties: Record<string, Obj> = {};
  const required: string[] = [];
  const params: ParamBinding[] = [];
  let body: BodyBinding | undefined;

  // Operation-level parameters override path-level ones with the same name and location.
  const merged = new Map<string, Obj>();
  for (const p of [...shared, ...asArray(op.parameters)]) {
    if (isObj(p) && typeof p.name === 'string' && typeof p.in === 'string')
      merged.set(`${p.in}:${p.name}`, p);
  }
  const argName = (wanted: string, location: string) => {
    const arg = properties[wanted] === undefined ? wanted : `${location}_${wanted}`;
    return arg;
  };

  const formProps: Record<string, Obj> = {};
  const formRequired: string[] = [];
  for (const p of merged.values()) {
    const location = p.in as string;
    const pname = p.name as string;
    if (location === 'body' && swagger2) {
      body = { arg: 'body', mediaType: 'application/json', encoding: 'json', required: p.required === true };
      properties.body = withDescription(toJsonSchema(p.schema, 'request'), p.description);
      if (body.required) required.push('body');
      continue;
    }
    if (location === 'formData') {
      formProps[pname] = withDescription(swagger2ParamSchema(p), p.description);
      if (p.required === true) formRequired.push(pname);
      continue;
    }
    if (!['path', 'query', 'header', 'cookie'].includes(location)) continue;
    const arg = argName(pname, location);
    let schema: Obj;
    let json = false;
    if (swagger2) {
      schema = swagger2ParamSchema(p);
    } else if (isObj(p.schema)) {
      schema = toJsonSchema(p.schema, 'request');
    } else if (isObj(p.content)) {
      const first = Object.values(p.content)[0];
      schema = isObj(first) ? toJsonSchema(first.schema, 'request') : {};
      json = true;
    } else {
      schema = { type: 'string' };
    }
    if (schema.type === undefined && Object.keys(schema).length === 0) schema = { type: 'string' };
    properties[arg] = withDescription(schema, p.description);
    const isRequired = location === 'path' || p.required === true;
    if (isRequired) required.push(arg);
    const explodeDefault = swagger2
      ? p.collectionFormat === 'multi'
      : p.style === undefined || p.style === 'form';
    params.push({
      arg,
      name: pname,
      in: location as ParamLocation,
      required: isRequired,
      style: swagger2 ? collectionStyle(p.collectionFormat) : paramStyle(p.style),
      explode: typeof p.explode === 'boolean' ? p.explode : explodeDefault,
      json,
    });
  }

  if (Object.keys(formProps).length > 0) {
    const consumes = asStrings(op.consumes).length > 0 ? asStrings(op.consumes) : globalConsumes;
    const mediaType = consumes.find((c) => c.includes('urlencoded')) ?? 'application/x-www-form-urlencoded';
    const arg = argName('body', 'form');
    body = { arg, mediaType, encoding: 'form', required: formRequired.length > 0 };
    properties[arg] = {
      type: 'object',
      properties: formProps,
      ...(formRequired.length > 0 ? { required: formRequired } : {}),
    };
    if (body.required) required.push(arg);
  }

  if (!swagger2 && isObj(op.requestBody)) {
    const rb = op.requestBody;
    const content = isObj(rb.content) ? rb.content : {};
    const types = Object.keys(content);
    const pick =
      types.find((t) => /^application\/json\b/i.test(t)) ??
      types.find((t) => /\+json\b/i.test(t)) ??
      types.find((t) => /x-www-form-urlencoded/i.test(t)) ??
      types.find((t) => /^text\//i.test(t)) ??
      types.find((t) => t === '*/*');
    if (pick !== undefined) {
      const media = content[pick] as Obj;
      const encoding = /json|\*\/\*/i.test(pick) ? 'json' : /urlencoded/i.test(pick) ? 'form' : 'text';
      const arg = argName('body', 'request');
      body = {
        arg,
        mediaType: pick === '*/*' ? 'application/json' : pick,
        encoding,
        required: rb.required === true,
      };
      const schema = encoding === 'text' ? { type: 'string' } : toJsonSchema(media?.schema, 'request');
      properties[arg] = withDescription(schema, rb.description);
      if (body.required) required.push(arg);
    }
  }

  const summary = typeof op.summary === 'string' ? op.summary.trim() : '';
  const details = typeof op.description === 'string' ? op.description.trim() : '';
  const description =
    summary && details && summary !== details
      ? `${summary}: ${details}`
      : summary || details || `${method.toUpperCase()} ${path}`;

  const annotations: Record<string, unknown> = {};
  if (summary) annotations.title = summary;
  if (method === 'get' || method === 'head' || method === 'options') annotations.readOnlyHint = true;
  else {
    annotations.readOnlyHint = false;
    annotations.destructiveHint = method === 'delete';
    annotations.idempotentHint = method === 'put' || method === 'delete';
  }
  annotations.openWorldHint = true;

  return {
    name,
    operationId,
    method: method.toUpperCase(),
    path,
    description,
    inputSchema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
    annotations,
    params,
    body,
  };
}

function collectionStyle(format: unknown): ParamBinding['style'] {
  switch (format) {
    case 'ssv':
      return 'ssv';
    case 'tsv':
      return 'tsv';
    case 'pipes':
      return 'pipes';
    case 'multi':
      return 'form';
    default:
      return 'csv';
  }
}

function paramStyle(style: unknown): ParamBinding['style'] {
  switch (style) {
    case 'spaceDelimited':
      return 'ssv';
    case 'pipeDelimited':
      return 'pipes';
    case 'deepObject':
      return 'deepObject';
    default:
      return 'form';
  }
}

const SWAGGER2_PARAM_KEYS = [
  'type',
  'format',
  'items',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
];

/** Swagger 2 non-body parameters carry their schema keywords inline. */
function swagger2ParamSchema(p: Obj): Obj {
  const inline: Obj = {};
  for (const k of SWAGGER2_PARAM_KEYS) if (p[k] !== undefined) inline[k] = p[k];
  if (inline.type === 'file') inline.type = 'string';
  if (Object.keys(inline).length === 0) inline.type = 'string';
  return toJsonSchema(inline, 'request');
}

function withDescription(schema: Obj, description: unknown): Obj {
  if (typeof description === 'string' && description !== '' && schema.description === undefined) {
    return { ...schema, description };
  }
  return schema;
}

// Keywords that mean nothing to a tool's JSON Schema (or would dangle without their document).
const DROP = new Set([
  'discriminator',
  'xml',
  'externalDocs',
  'example',
  'nullable',
  'x-nullable',
  '$ref',
  '$id',
]);
const MAX_DEPTH = 24;

/**
 * An OpenAPI schema object (any version, already dereferenced) as a self-contained JSON Schema:
 * `nullable` becomes a "null" type, `example` becomes `examples`, read-only properties leave request
 * schemas, and cycles (recursive types) are cut to an unconstrained schema.
 */
export function toJsonSchema(schema: unknown, direction: 'request' | 'response' = 'request'): Obj {
  const ancestors = new Set<object>();
  const convert = (s: unknown, depth: number): Obj => {
    if (!isObj(s)) return {};
    if (ancestors.has(s) || depth > MAX_DEPTH) {
      return typeof s.description === 'string' ? { description: `${s.description} (recursive)` } : {};
    }
    ancestors.add(s);
    try {
      const out: Obj = {};
      for (const [key, value] of Object.entries(s)) {
        if (DROP.has(key) || key.startsWith('x-')) continue;
        switch (key) {
          case 'properties': {
            if (!isObj(value)) break;
            const props: Obj = {};
            for (const [pname, pschema] of Object.entries(value)) {
              if (direction === 'request' && isObj(pschema) && pschema.readOnly === true) continue;
              if (direction === 'response' && isObj(pschema) && pschema.writeOnly === true) continue;
              props[pname] = convert(pschema, depth + 1);
            }
            out.properties = props;
            break;
          }
          case 'items':
          case 'additionalProperties':
          case 'not':
          case 'contains':
          case 'propertyNames':
          case 'if':
          case 'then':
          case 'else':
          case 'unevaluatedProperties':
          case 'unevaluatedItems':
            out[key] = typeof value === 'boolean' ? value : convert(value, depth + 1);
            break;
          case 'allOf':
          case 'anyOf':
          case 'oneOf':
          case 'prefixItems':
            out[key] = asArray(value).map((v) => convert(v, depth + 1));
            break;
          case 'patternProperties':
          case '$defs':
          case 'dependentSchemas':
            if (isObj(value)) {
              out[key] = Object.fromEntries(
                Object.entries(value).map(([k, v]) => [k, convert(v, depth + 1)]),
              );
            }
            break;
          case 'type':
            out.type = value === 'file' ? 'string' : value;
            break;
          default:
            out[key] = value;
        }
      }
      if (Array.isArray(out.required) && isObj(out.properties)) {
        const present = out.properties;
        const kept = (out.required as unknown[]).filter((r) => typeof r === 'string' && r in present);
        if (kept.length > 0) out.required = kept;
        else delete out.required;
      }
      if (s.example !== undefined && out.examples === undefined) out.examples = [s.example];
      if (s.nullable === true || s['x-nullable'] === true) {
        if (typeof out.type === 'string') out.type = [out.type, 'null'];
        else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
      }
      return out;
    } finally {
      ancestors.delete(s);
    }
  };
  return convert(schema, 0);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function asStrings(v: unknown): string[] {
  return asArray(v).filter((x): x is string => typeof x === 'string');
}
