// The one catalogue of problems a SKILL.md can have. Each code once, with its severity and a
// one-line summary; docs/skills.md lists the same codes and src/skills/issues.test.ts keeps the two
// in step. A skill with an error is not served; warnings are reported and the skill is served.
export type SkillSeverity = 'error' | 'warning';

export const SKILL_ISSUES = {
  SKILL_UNREADABLE: { severity: 'error', summary: 'the file cannot be read' },
  SKILL_MISPLACED: {
    severity: 'error',
    summary: 'SKILL.md sits directly in the skills folder instead of a folder named for the skill',
  },
  SKILL_FRONTMATTER_MISSING: {
    severity: 'error',
    summary: 'the file does not start with a `---` front matter block',
  },
  SKILL_FRONTMATTER_UNCLOSED: { severity: 'error', summary: 'the front matter has no closing `---` line' },
  SKILL_YAML: { severity: 'error', summary: 'the front matter is not well-formed YAML, or not a mapping' },
  SKILL_NAME_INVALID: {
    severity: 'error',
    summary: 'the folder name is not a skill name (lowercase letters, digits, single hyphens, at most 64)',
  },
  SKILL_NAME_MISMATCH: {
    severity: 'warning',
    summary: 'the front matter `name` differs from the folder name',
  },
  SKILL_DUPLICATE: {
    severity: 'error',
    summary: 'another SKILL.md already has this name (the first one found wins)',
  },
  SKILL_DESCRIPTION_MISSING: { severity: 'error', summary: '`description` is missing or empty' },
  SKILL_DESCRIPTION_LONG: { severity: 'warning', summary: '`description` is longer than 1024 characters' },
  SKILL_STATE_INVALID: { severity: 'error', summary: '`state` is not one of draft, active, disabled' },
  SKILL_FIELD_TYPE: { severity: 'error', summary: 'a known front matter field has the wrong type' },
  SKILL_BODY_LONG: {
    severity: 'warning',
    summary: 'the body is over 500 lines or about 5000 tokens: it costs the model that much context',
  },
} as const satisfies Record<string, { severity: SkillSeverity; summary: string }>;

export type SkillIssueCode = keyof typeof SKILL_ISSUES;

export interface SkillIssue {
  code: SkillIssueCode;
  severity: SkillSeverity;
  /** Absolute path of the SKILL.md. */
  file: string;
  /** 1-based; the line the problem is on (1 when it is about the whole file). */
  line: number;
  message: string;
  /** How to fix it. */
  hint?: string;
}

export function skillIssue(
  code: SkillIssueCode,
  file: string,
  line: number,
  message: string,
  hint?: string,
): SkillIssue {
  return { code, severity: SKILL_ISSUES[code].severity, file, line, message, ...(hint ? { hint } : {}) };
}

/** `file:line: error CODE: message (hint)`, the form editors and terminals link. */
export function formatSkillIssue(i: SkillIssue): string {
  return `${i.file}:${i.line}: ${i.severity} ${i.code}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`;
}

/** Errors of the skill commands and API (not of a file's content). */
export const SKILL_ERRORS = {
  SKILL_NOT_FOUND: 'no skill of that name in the registry',
  SKILL_HAS_ERRORS: 'the skill has errors and cannot be activated until they are fixed',
  SKILL_SOURCE_FAILED: 'the git repository or folder to import from cannot be read',
  SKILL_SOURCE_EMPTY: 'the repository or folder has no SKILL.md to import',
} as const;

export type SkillErrorCode = keyof typeof SKILL_ERRORS;

export class SkillError extends Error {
  constructor(
    readonly code: SkillErrorCode,
    message: string,
  ) {
    super(message);
  }
}
