// YAML parsing that keeps positions, and mapping a field path back to file:line:col.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
  type Document as YamlDocument,
} from 'yaml';
import type { Issue } from './issues.js';
import type { Path } from './path.js';

export interface ParsedFile {
  file: string;
  text: string;
  doc: YamlDocument.Parsed;
  lines: LineCounter;
  /** Plain data; undefined when the document is empty or could not be converted. */
  data: unknown;
}

export interface Position {
  line: number;
  column: number;
}

/** Parse YAML; syntax problems come back as issues with the position the parser reported. */
export function parseYaml(file: string, text: string): { parsed: ParsedFile; issues: Issue[] } {
  const lines = new LineCounter();
  // `merge`: YAML 1.1 merge keys (`<<: *base`), which stacks written for the reference use.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: true,
    uniqueKeys: true,
    strict: true,
    merge: true,
  });
  const issues: Issue[] = [];
  // After the first syntax error the parser mostly reports its consequences: keep the first few.
  for (const err of doc.errors.slice(0, 3)) {
    const pos = err.linePos?.[0];
    const message = err.message.split('\n')[0] ?? err.message;
    issues.push({
      severity: 'error',
      code: err.code === 'DUPLICATE_KEY' ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX',
      field: 'stack',
      message: message.replace(/ at line \d+, column \d+.*$/, ''),
      hint:
        err.code === 'DUPLICATE_KEY'
          ? 'remove or rename one of the two keys'
          : 'fix the YAML syntax at the caret',
      file,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
    });
  }
  let data: unknown;
  if (doc.errors.length === 0) {
    try {
      // Alias expansion (merge keys included) is bounded by the yaml package (maxAliasCount), so a
      // "billion laughs" file fails here. Aliases come back as shared objects; later steps change
      // values in place (expansion, relative paths), so every use gets its own copy.
      data = unshare(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
    } catch (err) {
      const message = (err as Error).message;
      const bomb = /Excessive alias count/.test(message);
      issues.push({
        severity: 'error',
        code: 'YAML_SYNTAX',
        field: 'stack',
        message: bomb
          ? `aliases expand to more than ${MAX_ALIAS_COUNT} copies (each use weighted by the size of its anchor): this file looks like an alias bomb`
          : `cannot read the YAML document: ${message}`,
        ...(bomb ? { hint: 'write repeated parts out, or alias smaller anchors fewer times' } : {}),
        file,
      });
    }
  }
  return { parsed: { file, text, doc, lines, data }, issues };
}

/** Alias uses allowed per document, weighted by the size of what they copy. */
export const MAX_ALIAS_COUNT = 1000;

function unshare(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unshare);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unshare(x)]));
  }
  return v;
}

function posOf(parsed: ParsedFile, offset: number): Position {
  const p = parsed.lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/**
 * Position of the node at `path`: the value, or with `key` the key itself (for unknown keys). When the
 * path does not exist (a missing required field) the deepest existing ancestor is used.
 */
export function locate(parsed: ParsedFile, path: Path, key = false): Position | undefined {
  let node: unknown = parsed.doc.contents;
  let best: Position | undefined =
    node && (node as Node).range ? posOf(parsed, (node as Node).range![0]) : undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    // An alias stands for its anchor: follow it, so a field points where it was written.
    if (isAlias(node)) node = node.resolve(parsed.doc);
    if (isMap(node)) {
      const pair = findPair(parsed, node, String(seg), 0);
      if (!pair) return best;
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      if (last && key && keyNode?.range) return posOf(parsed, keyNode.range[0]);
      const target = valueNode?.range ? valueNode : keyNode;
      if (target?.range) best = posOf(parsed, target.range[0]);
      node = valueNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item?.range) return best;
      best = posOf(parsed, item.range[0]);
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

const isMergeKey = (k: unknown) => isScalar(k) && typeof k.value === 'symbol' && k.value.description === '<<';

/**
 * The pair that gives `map[key]`: the map's own pair, else the first merge source (`<<: *a` or
 * `<<: [*a, *b]`, earlier sources winning) that has it, as the yaml package merges them.
 */
function findPair(parsed: ParsedFile, map: YAMLMap, key: string, depth: number): Pair | undefined {
  const own = map.items.find(
    (p) => !isMergeKey(p.key) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key,
  );
  if (own || depth > 20) return own;
  for (const merge of map.items.filter((p) => isMergeKey(p.key))) {
    const value = isAlias(merge.value) ? merge.value.resolve(parsed.doc) : merge.value;
    const sources = isSeq(value) ? value.items : [value];
    for (const src of sources) {
      const m = isAlias(src) ? src.resolve(parsed.doc) : src;
      const found = isMap(m) ? findPair(parsed, m, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}
