// Turns a tool's JSON Schema (inputSchema) into form fields, and form values back into arguments.
// Pure, so it is tested in Node; the Tools view renders the fields.

export type FieldKind = 'string' | 'text' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  options?: string[];
  default?: unknown;
  /** Shown as a placeholder: the type of a json field, an example. */
  hint?: string;
}

type Schema = Record<string, unknown>;

function asSchema(v: unknown): Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : {};
}

function typeOf(s: Schema): string | undefined {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
    const alts = ((s.anyOf ?? s.oneOf) as unknown[]).map(asSchema).filter((a) => a.type !== 'null');
    if (alts.length === 1) return typeOf(alts[0]!);
  }
  return undefined;
}

export function fieldsOf(inputSchema: unknown): Field[] {
  const schema = asSchema(inputSchema);
  const props = asSchema(schema.properties);
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.filter((r) => typeof r === 'string') : [],
  );
  return Object.entries(props).map(([name, raw]) => {
    const s = asSchema(raw);
    const base = {
      name,
      required: required.has(name),
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
      ...('default' in s ? { default: s.default } : {}),
    };
    if (Array.isArray(s.enum) && s.enum.every((e) => typeof e === 'string'))
      return { ...base, kind: 'enum', options: s.enum as string[] };
    const t = typeOf(s);
    switch (t) {
      case 'string': {
        const long = typeof s.maxLength !== 'number' || s.maxLength > 200;
        const multiline = long && /text|content|body|query|prompt|message/i.test(name);
        return { ...base, kind: multiline ? 'text' : 'string' };
      }
      case 'number':
        return { ...base, kind: 'number' };
      case 'integer':
        return { ...base, kind: 'integer' };
      case 'boolean':
        return { ...base, kind: 'boolean' };
      default:
        return { ...base, kind: 'json', hint: t ?? 'JSON value' };
    }
  });
}

/** Initial form values: defaults where the schema has them, else empty. */
export function initialValues(fields: Field[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const f of fields) {
    if (f.kind === 'boolean') out[f.name] = f.default === true;
    else if (f.default === undefined) out[f.name] = '';
    else out[f.name] = f.kind === 'json' ? JSON.stringify(f.default, null, 2) : String(f.default);
  }
  return out;
}

export interface Coerced {
  args: Record<string, unknown>;
  errors: Record<string, string>;
}

/** Form values → tool arguments. Empty optional fields are left out; required ones are errors. */
export function toArguments(fields: Field[], values: Record<string, string | boolean>): Coerced {
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.kind === 'boolean') {
      if (v === true || f.required) args[f.name] = v === true;
      continue;
    }
    const text = typeof v === 'string' ? v : '';
    if (text.trim() === '') {
      if (f.required) errors[f.name] = 'required';
      continue;
    }
    if (f.kind === 'number' || f.kind === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[f.name] = 'not a number';
      else if (f.kind === 'integer' && !Number.isInteger(n)) errors[f.name] = 'not a whole number';
      else args[f.name] = n;
    } else if (f.kind === 'json') {
      try {
        args[f.name] = JSON.parse(text);
      } catch {
        errors[f.name] = 'not valid JSON';
      }
    } else {
      args[f.name] = text;
    }
  }
  return { args, errors };
}
