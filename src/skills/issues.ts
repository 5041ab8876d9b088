// Problems a SKILL.md can have and errors of the skill commands. Their codes are defined in the error
// catalogue (src/errors/skills.ts, shown in docs/errors.md). A skill with an error is not served;
// warnings are reported and the skill is served.
import { SKILL_ERRORS, SKILL_ISSUES, type SkillSeverity } from '../errors/skills.js';

export { SKILL_ERRORS, SKILL_ISSUES, type SkillSeverity };

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

export type SkillErrorCode = keyof typeof SKILL_ERRORS;

export class SkillError extends Error {
  constructor(
    readonly code: SkillErrorCode,
    message: string,
  ) {
    super(message);
  }
}
