// One SKILL.md: front matter (YAML between `---` lines) and a markdown body. Parsing keeps the
// raw front matter text and where the body starts, so changing `state` rewrites only that key and
// leaves every other byte of the file as its author wrote it.
import { isMap, LineCounter, parseDocument } from 'yaml';
import { type SkillIssue, skillIssue } from './issues.js';

export type SkillState = 'draft' | 'active' | 'disabled';
export const SKILL_STATES: readonly SkillState[] = ['draft', 'active', 'disabled'];

/** Skill names: what the folder is called and what clients see as the prompt name. */
export const SKILL_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
export const SKILL_NAME_MAX = 64;
const DESCRIPTION_MAX = 1024;
const BODY_MAX_LINES = 500;
/** About 5000 tokens at 4 bytes a token. */
const BODY_MAX_BYTES = 20_000;

export interface SkillFrontMatter {
  name?: string;
  description?: string;
  license?: string;
  compatibility?: string;
  /** Values other than strings are kept as compact JSON. */
  metadata?: Record<string, string>;
  'allowed-tools'?: string | string[];
  acceptance_criteria?: unknown;
  state?: string;
  /** Keys gridctl does not know, kept as written. */
  extra: Record<string, unknown>;
}

export interface ParsedSkill {
  /** The folder name: authoritative for the skill's name. */
  name: string;
  file: string;
  frontMatter: SkillFrontMatter;
  state: SkillState;
  description: string;
  body: string;
  /** 1-based line of the front matter key, for issues and editors. */
  lines: Record<string, number>;
  issues: SkillIssue[];
  /** The file as read (the skills extension serves it byte for byte). */
  raw: string;
  /** The front matter exactly as written, as JSON (state and unknown keys included). */
  data: Record<string, unknown>;
}

export function nameProblem(name: string): string | undefined {
  if (name.length > SKILL_NAME_MAX) return `is ${name.length} characters, more than ${SKILL_NAME_MAX}`;
  if (!SKILL_NAME.test(name)) return 'may have only lowercase letters, digits and hyphens, not at either end';
  if (name.includes('--')) return 'may not have two hyphens in a row';
  return undefined;
}

interface Split {
  /** Front matter YAML text, undefined when there is none. */
  yaml?: string;
  /** Line (1-based) where the front matter YAML starts. */
  yamlLine: number;
  /** How many lines the front matter YAML has. */
  yamlLines: number;
  body: string;
  /** Why there is no front matter. */
  missing?: 'none' | 'unclosed';
}

function split(text: string): Split {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]?.trim() === '') i++;
  if (lines[i]?.trim() !== '---') return { yamlLine: 1, yamlLines: 0, body: text, missing: 'none' };
  const close = lines.findIndex((l, j) => j > i && l === '---');
  if (close < 0) return { yamlLine: 1, yamlLines: 0, body: text, missing: 'unclosed' };
  const rest = lines.slice(close + 1).join('\n');
  return {
    yaml: lines.slice(i + 1, close).join('\n'),
    yamlLine: i + 2,
    yamlLines: close - i - 1,
    body: rest.startsWith('\n') ? rest.slice(1) : rest,
  };
}

const KNOWN = new Set([
  'name',
  'description',
  'license',
  'compatibility',
  'metadata',
  'allowed-tools',
  'acceptance_criteria',
  'state',
]);

/** Parse and check one SKILL.md whose folder is `folderName`. Never throws. */
export function parseSkill(file: string, folderName: string, raw: string): ParsedSkill {
  const text = raw.replace(/\r\n/g, '\n');
  const issues: SkillIssue[] = [];
  const lines: Record<string, number> = {};
  const fm: SkillFrontMatter = { extra: {} };
  const data: Record<string, unknown> = {};
  const parts = split(text);
  const problem = nameProblem(folderName);
  if (problem) {
    issues.push(
      skillIssue(
        'SKILL_NAME_INVALID',
        file,
        1,
        `folder "${folderName}" cannot name a skill: it ${problem}`,
        'rename the folder, e.g. "code-review"',
      ),
    );
  }
  if (parts.missing === 'none') {
    issues.push(
      skillIssue(
        'SKILL_FRONTMATTER_MISSING',
        file,
        1,
        'no front matter: the file must start with a `---` line, then `name:` and `description:`, then `---`',
        'add a front matter block with at least a description',
      ),
    );
  } else if (parts.missing === 'unclosed') {
    issues.push(
      skillIssue(
        'SKILL_FRONTMATTER_UNCLOSED',
        file,
        1,
        'the front matter opened with `---` never closes',
        'end it with a line that is exactly `---`',
      ),
    );
  } else {
    Object.assign(data, readFrontMatter(file, parts.yaml ?? '', parts.yamlLine, fm, lines, issues));
  }
  const at = (key: string) => lines[key] ?? 1;
  if (fm.name !== undefined && fm.name !== folderName) {
    issues.push(
      skillIssue(
        'SKILL_NAME_MISMATCH',
        file,
        at('name'),
        `name "${fm.name}" differs from the folder name "${folderName}"; the folder name is used`,
        `set name: ${folderName}, or rename the folder`,
      ),
    );
  }
  const description = fm.description?.trim() ?? '';
  const badType = issues.some((i) => i.code === 'SKILL_FIELD_TYPE' && i.message.startsWith('`description`'));
  const badYaml = issues.some((i) => i.code === 'SKILL_YAML');
  if (parts.yaml !== undefined && description === '' && !badType && !badYaml) {
    issues.push(
      skillIssue(
        'SKILL_DESCRIPTION_MISSING',
        file,
        at('description'),
        'description is missing or empty: clients show it to pick the skill',
        'add `description: <what the skill does and when to use it>`',
      ),
    );
  } else if (description.length > DESCRIPTION_MAX) {
    issues.push(
      skillIssue(
        'SKILL_DESCRIPTION_LONG',
        file,
        at('description'),
        `description is ${description.length} characters, more than ${DESCRIPTION_MAX}`,
        'move the detail into the body',
      ),
    );
  }
  let state: SkillState = 'draft';
  if (fm.state !== undefined && fm.state !== '') {
    if ((SKILL_STATES as readonly string[]).includes(fm.state)) state = fm.state as SkillState;
    else {
      issues.push(
        skillIssue(
          'SKILL_STATE_INVALID',
          file,
          at('state'),
          `state "${fm.state}" is not one of ${SKILL_STATES.join(', ')}`,
          'use state: active to serve the skill',
        ),
      );
    }
  }
  const body = parts.yaml === undefined ? text : parts.body;
  const bodyLines = body.split('\n').length;
  const bytes = Buffer.byteLength(body);
  if (bodyLines > BODY_MAX_LINES || bytes > BODY_MAX_BYTES) {
    issues.push(
      skillIssue(
        'SKILL_BODY_LONG',
        file,
        1,
        `the body is ${bodyLines} lines, about ${Math.round(bytes / 4)} tokens (advised: at most ${BODY_MAX_LINES} lines, 5000 tokens)`,
        'split it into smaller skills',
      ),
    );
  }
  return { name: folderName, file, frontMatter: fm, state, description, body, lines, issues, raw, data };
}

function readFrontMatter(
  file: string,
  yaml: string,
  firstLine: number,
  fm: SkillFrontMatter,
  lines: Record<string, number>,
  issues: SkillIssue[],
): Record<string, unknown> {
  const counter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? firstLine : firstLine + counter.linePos(offset).line - 1;
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    issues.push(
      skillIssue(
        'SKILL_YAML',
        file,
        lineOf(e.pos[0]),
        `front matter: ${e.message.split('\n')[0]}`,
        'fix the YAML between the `---` lines',
      ),
    );
    return {};
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    issues.push(
      skillIssue(
        'SKILL_YAML',
        file,
        firstLine,
        'front matter is not a mapping of keys to values',
        'write `key: value` lines',
      ),
    );
    return {};
  }
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    const key = String(keyNode?.value ?? '');
    lines[key] = lineOf(keyNode?.range?.[0]);
  }
  const data = doc.toJS() as Record<string, unknown>;
  const typeError = (key: string, want: string) =>
    issues.push(
      skillIssue('SKILL_FIELD_TYPE', file, lines[key] ?? firstLine, `\`${key}\` must be ${want}`, undefined),
    );
  for (const [key, value] of Object.entries(data)) {
    if (!KNOWN.has(key)) {
      fm.extra[key] = value;
      continue;
    }
    if (value === null || value === undefined) continue;
    switch (key) {
      case 'name':
      case 'description':
      case 'license':
      case 'compatibility':
      case 'state':
        if (typeof value === 'string') fm[key] = value;
        else typeError(key, 'a string');
        break;
      case 'metadata':
        if (typeof value === 'object' && !Array.isArray(value)) {
          fm.metadata = Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [
              k,
              typeof v === 'string' ? v : JSON.stringify(v),
            ]),
          );
        } else typeError(key, 'a mapping');
        break;
      case 'allowed-tools':
        if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')))
          fm['allowed-tools'] = value as string | string[];
        else typeError(key, 'a string or a list of strings');
        break;
      default:
        fm.acceptance_criteria = value;
    }
  }
  return data;
}

/**
 * The file with its front matter `state` set: only that key changes (added when absent); the rest
 * of the front matter and the body keep their bytes. Undefined when the file has no front matter.
 */
export function withState(raw: string, state: SkillState): string | undefined {
  const eol = raw.includes('\r\n') ? '\r\n' : '\n';
  const text = raw.replace(/\r\n/g, '\n');
  const parts = split(text);
  if (parts.yaml === undefined) return undefined;
  const fmLines = parts.yamlLines === 0 ? [] : parts.yaml.split('\n');
  const idx = fmLines.findIndex((l) => /^state\s*:/.test(l));
  if (idx >= 0) fmLines[idx] = `state: ${state}`;
  else fmLines.push(`state: ${state}`);
  const lines = text.split('\n');
  const start = parts.yamlLine - 1; // index of the first YAML line
  const end = start + parts.yamlLines; // index of the closing ---
  const out = [...lines.slice(0, start), ...fmLines, ...lines.slice(end)].join('\n');
  return eol === '\n' ? out : out.replace(/\n/g, '\r\n');
}
