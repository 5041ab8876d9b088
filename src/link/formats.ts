// Reading and editing a client's config file in its own format, with real parsers: JSON and JSONC
// through jsonc-parser's edit API (comments, key order and formatting outside the edited entry
// survive), YAML through the yaml package's document model (comments survive), TOML through
// smol-toml. TOML has no editing API on npm, so a table is appended or cut as text and the result is
// parsed again and compared with the intended data; only if that check fails is the file rewritten
// from the data (its comments then lost, which the caller reports).
import {
  applyEdits,
  type FormattingOptions,
  modify,
  type ParseError,
  parse as parseJsonc,
} from 'jsonc-parser';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { isMap, isSeq, parseDocument } from 'yaml';

export type Format = 'json' | 'yaml' | 'toml';

/** Where a dialect keeps its entries: a map keyed by entry name, or a list matched by `name`. */
export type Container = 'map' | 'list';

export class FormatError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The whole document as data (`{}` for an empty file). Throws FormatError naming the problem. */
export function parseDoc(text: string, format: Format): Record<string, unknown> {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return {};
  let value: unknown;
  if (format === 'json') {
    const errors: ParseError[] = [];
    value = parseJsonc(body, errors, { allowTrailingComma: true });
    if (errors.length > 0) {
      const { line, column } = position(body, errors[0]!.offset);
      throw new FormatError(`not valid JSON at line ${line}, column ${column}`);
    }
  } else if (format === 'yaml') {
    const doc = parseDocument(body);
    if (doc.errors.length > 0)
      throw new FormatError(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    value = doc.toJS() ?? {};
  } else {
    try {
      value = parseToml(body);
    } catch (err) {
      throw new FormatError(`not valid TOML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (!isObj(value)) throw new FormatError('its top level is not an object');
  return value;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The value at `key` inside the document (undefined when any part is missing). */
export function getIn(doc: Record<string, unknown>, key: readonly string[]): unknown {
  let v: unknown = doc;
  for (const k of key) {
    if (!isObj(v)) return undefined;
    v = v[k];
  }
  return v;
}

/** The entries under `key`, as name → entry. */
export function entriesOf(
  doc: Record<string, unknown>,
  key: readonly string[],
  container: Container,
): Map<string, unknown> {
  const at = getIn(doc, key);
  const out = new Map<string, unknown>();
  if (container === 'list') {
    if (!Array.isArray(at)) return out;
    for (const e of at) if (isObj(e) && typeof e.name === 'string') out.set(e.name, e);
  } else if (isObj(at)) {
    for (const [k, v] of Object.entries(at)) out.set(k, v);
  }
  return out;
}

export interface Edit {
  text: string;
  /** Comments the rewrite could not keep (TOML fallback only). */
  droppedComments: boolean;
}

/** The file's text with entry `name` under `key` set to `entry`, or removed when it is undefined. */
export function editEntry(
  text: string,
  format: Format,
  key: readonly string[],
  container: Container,
  name: string,
  entry: Record<string, unknown> | undefined,
): Edit {
  const doc = parseDoc(text, format);
  if (format === 'json')
    return { text: editJson(text, doc, key, container, name, entry), droppedComments: false };
  if (format === 'yaml') return { text: editYaml(text, key, container, name, entry), droppedComments: false };
  return editToml(text, doc, key, name, entry);
}

function formatting(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol: eolOf(text) };
  return { insertSpaces: true, tabSize: indent ? Math.min(indent.length, 8) : 2, eol: eolOf(text) };
}

const eolOf = (text: string) => (text.includes('\r\n') ? '\r\n' : '\n');

function editJson(
  text: string,
  doc: Record<string, unknown>,
  key: readonly string[],
  container: Container,
  name: string,
  entry: Record<string, unknown> | undefined,
): string {
  const formattingOptions = formatting(text);
  const base = text.trim() === '' ? '{}' : text;
  let path: (string | number)[] = [...key, name];
  let isArrayInsertion = false;
  if (container === 'list') {
    const list = getIn(doc, key);
    const items = Array.isArray(list) ? list : [];
    const at = items.findIndex((e) => isObj(e) && e.name === name);
    if (at < 0 && entry === undefined) return text;
    if (at < 0 && !Array.isArray(list)) {
      // No list yet: create it holding the one entry.
      path = [...key];
      const edits = modify(base, path, [entry], { formattingOptions });
      return finish(applyEdits(base, edits), text);
    }
    isArrayInsertion = at < 0;
    path = [...key, at < 0 ? items.length : at];
  } else if (entry === undefined && !entriesOf(doc, key, 'map').has(name)) {
    return text;
  }
  const edits = modify(base, path, entry, { formattingOptions, isArrayInsertion });
  return finish(applyEdits(base, edits), text);
}

/** Keeps the original's final newline (or adds one to a file gridctl created). */
function finish(out: string, original: string): string {
  const eol = eolOf(original);
  if (original.trim() === '' || original.endsWith('\n')) return out.endsWith('\n') ? out : `${out}${eol}`;
  return out;
}

function editYaml(
  text: string,
  key: readonly string[],
  container: Container,
  name: string,
  entry: Record<string, unknown> | undefined,
): string {
  const doc = parseDocument(text.replace(/^\uFEFF/, ''));
  if (container === 'list') {
    const list = doc.getIn(key);
    const items = isSeq(list) ? list.items : [];
    const at = items.findIndex((n) => isMap(n) && n.get('name') === name);
    if (entry === undefined) {
      if (at >= 0) doc.deleteIn([...key, at]);
    } else if (at >= 0) {
      doc.setIn([...key, at], doc.createNode(entry));
    } else if (isSeq(list)) {
      list.add(doc.createNode(entry));
    } else {
      doc.setIn(key, doc.createNode([entry]));
    }
  } else if (entry === undefined) {
    if (doc.hasIn([...key, name])) doc.deleteIn([...key, name]);
  } else {
    doc.setIn([...key, name], doc.createNode(entry));
  }
  return String(doc);
}

// TOML tables are `[a.b.name]` (keys may be quoted); cut or append one as text, then verify.
function editToml(
  text: string,
  doc: Record<string, unknown>,
  key: readonly string[],
  name: string,
  entry: Record<string, unknown> | undefined,
): Edit {
  const want = structuredClone(doc);
  const parent = ensure(want, key);
  if (entry === undefined) delete parent[name];
  else parent[name] = entry;
  const eol = eolOf(text);
  let candidate = cutTable(text, [...key, name]);
  if (entry !== undefined) {
    const block = tomlTable([...key, name], entry);
    const sep =
      candidate.trim() === ''
        ? ''
        : candidate.endsWith(`${eol}${eol}`)
          ? ''
          : candidate.endsWith(eol)
            ? eol
            : `${eol}${eol}`;
    candidate = `${candidate}${sep}${block.replace(/\n/g, eol)}${eol}`;
  }
  try {
    if (sameData(parseToml(candidate), want)) return { text: candidate, droppedComments: false };
  } catch {
    // falls through to the rewrite
  }
  return { text: `${stringifyToml(want)}\n`, droppedComments: /(^|\n)\s*#/.test(text) };
}

/** `text` without the table `[path]` and its sub-tables (`[path.x]`), when they are there. */
function cutTable(text: string, path: readonly string[]): string {
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let cutting = false;
  for (const line of lines) {
    const header = /^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$/.exec(line.trimEnd());
    if (header) {
      const keys = splitKeys(header[1]!);
      cutting = keys !== undefined && path.every((k, i) => keys[i] === k);
    }
    if (!cutting) out.push(line);
  }
  return out.join('').replace(/(\r?\n){3,}$/, '$1');
}

/** `a."b.c".d` → ['a', 'b.c', 'd'] (undefined when it is not a plain header). */
function splitKeys(raw: string): string[] | undefined {
  const keys: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < raw.length) {
    re.lastIndex = pos;
    m = re.exec(raw);
    if (!m) return undefined;
    keys.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : (m[2] ?? m[3]!));
    pos = re.lastIndex;
    if (m[4] === '') break;
  }
  return keys;
}

function ensure(doc: Record<string, unknown>, key: readonly string[]): Record<string, unknown> {
  let at = doc;
  for (const k of key) {
    if (!isObj(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  return at;
}

/** `[a.b]` and its keys; a flat entry gets no empty parent headers (`[a]`) the way stringify adds. */
function tomlTable(path: readonly string[], entry: Record<string, unknown>): string {
  const flat = Object.values(entry).every((v) => !isObj(v) && !(Array.isArray(v) && v.some(isObj)));
  if (!flat) return stringifyToml(nest(path, entry)).trimEnd();
  const header = path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
  return `[${header}]\n${stringifyToml(entry).trimEnd()}`;
}

function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>(
    (acc, k) => ({ [k]: acc }),
    value as Record<string, unknown>,
  );
}

/** Deep equality of parsed data (key order ignored). */
export function sameData(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** A stable text of a value: keys sorted, so two equal entries give one text (and one hash). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (isObj(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
