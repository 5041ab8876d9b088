// YAML parsing that keeps positions, and mapping a field path back to file:line:col.
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
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
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true });
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
      // Alias expansion is bounded by the yaml package (maxAliasCount), so a "billion laughs" file fails here.
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      issues.push({
        severity: 'error',
        code: 'YAML_SYNTAX',
        field: 'stack',
        message: `cannot read the YAML document: ${(err as Error).message}`,
        file,
      });
    }
  }
  return { parsed: { file, text, doc, lines, data }, issues };
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
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
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
