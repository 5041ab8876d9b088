// Shape validation through the schema, with zod's issues turned into messages a person can act on.
// Unknown keys are warnings (the reference ignores them): they are reported, stripped, and the data
// parsed again, so one typo never hides the real errors or the typed stack.
import type { z } from 'zod';
import type { IssueCode } from './issues.js';
import { NAME_MAX_WHY } from './names.js';
import { getAt, knownKeys, type Path, schemaAt } from './path.js';
import { type Stack, stackSchema } from './schema.js';
import { closest } from './suggest.js';

export interface ShapeIssue {
  code: IssueCode;
  path: Path;
  message: string;
  hint?: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

type ZIssue = z.core.$ZodIssue;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** The stack's, a server's or a resource's name: the names NAME_MAX limits. */
const isNamePath = (p: Path) =>
  (p.length === 1 && p[0] === 'name') ||
  (p.length === 3 && (p[0] === 'mcp-servers' || p[0] === 'resources') && p[2] === 'name');

/** Whether unknown keys at `path` must fail closed: secrets.sets entries (typo'd scope = leak). */
const strictAt = (path: Path) => path[0] === 'secrets' && path[1] === 'sets';

export function checkShape(input: unknown): { stack?: Stack; issues: ShapeIssue[] } {
  const issues: ShapeIssue[] = [];
  let data = input;
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = stackSchema.safeParse(data);
    if (result.success) return { stack: result.data, issues };
    const strip: Path[] = [];
    const errors: ShapeIssue[] = [];
    for (const zi of result.error.issues) convert(zi, [], data, errors, strip);
    issues.push(...errors.filter((e) => e.code === 'UNKNOWN_KEY' || e.code === 'UNKNOWN_KEY_STRICT'));
    const rest = errors.filter((e) => e.code !== 'UNKNOWN_KEY' && e.code !== 'UNKNOWN_KEY_STRICT');
    if (strip.length === 0 || rest.length > 0) {
      issues.push(...rest);
      return { issues: dedupe(issues) };
    }
    data = structuredClone(data);
    for (const p of strip) {
      const parent = getAt(data, p.slice(0, -1));
      if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[String(p.at(-1))];
    }
  }
  return { issues: dedupe(issues) };
}

function dedupe(issues: ShapeIssue[]): ShapeIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.code}|${i.path.join('.')}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function convert(zi: ZIssue, prefix: Path, data: unknown, out: ShapeIssue[], strip: Path[]): void {
  const path: Path = [...prefix, ...zi.path.filter((s): s is string | number => typeof s !== 'symbol')];
  const value = getAt(data, path);
  const last = path.at(-1);
  switch (zi.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schemaAt(path));
      for (const key of zi.keys) {
        // Top-level `x-…` keys are extension fields, a home for anchors (`x-base: &base`), as in Compose.
        if (path.length === 0 && key.startsWith('x-')) {
          strip.push([key]);
          continue;
        }
        const guess = closest(key, known);
        const strict = strictAt(path);
        out.push({
          code: strict ? 'UNKNOWN_KEY_STRICT' : 'UNKNOWN_KEY',
          path: [...path, key],
          message: `unknown key \`${key}\`${guess ? `; did you mean \`${guess}\`?` : strict ? '' : '; it is ignored'}`,
          hint: guess ? undefined : `known keys here: ${known.join(', ')}`,
          atKey: true,
        });
        if (!strict) strip.push([...path, key]);
      }
      return;
    }
    case 'invalid_type': {
      if (value === undefined) {
        out.push({ code: 'REQUIRED', path, message: `\`${String(last ?? 'value')}\` is required` });
        return;
      }
      const want = TYPE_WORDS[zi.expected] ?? zi.expected;
      const hint =
        zi.expected === 'array' && typeof value === 'string'
          ? `write a list, e.g. [${JSON.stringify(value)}]`
          : undefined;
      out.push({ code: 'TYPE_MISMATCH', path, message: `must be ${want}, not ${describe(value)}`, hint });
      return;
    }
    case 'invalid_union': {
      // Pick the branch the input was aiming at (same JSON type) and report its errors.
      const branches = zi.errors;
      const aimed = branches.find((b) => !b.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (aimed && aimed.length > 0) {
        for (const e of aimed) convert(e, path, data, out, strip);
        return;
      }
      if (value === undefined) {
        out.push({ code: 'REQUIRED', path, message: `\`${String(last ?? 'value')}\` is required` });
        return;
      }
      const wants = branches
        .flatMap((b) => b.filter((e) => e.path.length === 0))
        .map((e) =>
          e.code === 'invalid_type'
            ? (TYPE_WORDS[e.expected] ?? e.expected)
            : e.code === 'invalid_value'
              ? `one of ${e.values.join(', ')}`
              : e.message,
        );
      out.push({
        code: 'TYPE_MISMATCH',
        path,
        message: `must be ${[...new Set(wants)].join(' or ')}, not ${describe(value)}`,
      });
      return;
    }
    case 'invalid_value': {
      const allowed = zi.values.filter((v) => v !== '').map(String);
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      out.push({
        code: 'INVALID_VALUE',
        path,
        message: `must be one of ${allowed.join(', ')}, not ${describe(value)}${guess ? `; did you mean "${guess}"?` : ''}`,
      });
      return;
    }
    case 'too_big':
    case 'too_small': {
      const big = zi.code === 'too_big';
      const bound = Number(
        big ? (zi as { maximum: number | bigint }).maximum : (zi as { minimum: number | bigint }).minimum,
      );
      let message: string;
      let hint: string | undefined;
      if (zi.origin === 'string') {
        message =
          !big && bound === 1
            ? 'must not be empty'
            : `must be ${big ? 'at most' : 'at least'} ${bound} characters${typeof value === 'string' ? `, not ${value.length}` : ''}`;
        if (big && isNamePath(path)) hint = NAME_MAX_WHY;
      } else if (zi.origin === 'array') message = `must have ${big ? 'at most' : 'at least'} ${bound} items`;
      else message = `must be ${big ? 'at most' : 'at least'} ${bound}, not ${String(value)}`;
      out.push({ code: 'OUT_OF_RANGE', path, message, ...(hint ? { hint } : {}) });
      return;
    }
    case 'invalid_format':
      out.push({ code: 'INVALID_FORMAT', path, message: `${zi.message}, not ${describe(value)}` });
      return;
    case 'invalid_key':
      out.push({ code: 'TYPE_MISMATCH', path, message: 'map keys must be strings' });
      return;
    default:
      out.push({ code: 'TYPE_MISMATCH', path, message: zi.message });
  }
}
