// Problems a SKILL.md can have, and errors of the skill commands and API. A skill with an error is
// not served; warnings are reported and the skill is served.
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

/** Errors of the skill commands and API (not of a file's content). */
export const SKILL_ERRORS = {
  SKILL_NOT_FOUND: { summary: 'no skill of that name in the registry' },
  SKILL_HAS_ERRORS: { summary: 'the skill has errors and cannot be activated until they are fixed' },
  SKILL_SOURCE_FAILED: { summary: 'the git repository or folder to import from cannot be read' },
  SKILL_SOURCE_EMPTY: { summary: 'the repository or folder has no SKILL.md to import' },
} as const satisfies Record<string, { summary: string }>;
