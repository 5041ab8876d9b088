// The issues the loader reports. Their codes, each with its severity and meaning, are defined in the
// error catalogue (src/errors/config.ts, shown in docs/errors.md); this module collects them.
import { ISSUE_CODES } from '../errors/config.js';
import type { Severity } from '../errors/entry.js';

export { ISSUE_CODES, type Severity };

export interface Issue {
  severity: Severity;
  /** Stable code from ISSUE_CODES. */
  code: IssueCode;
  /** YAML path: `mcp-servers[2].port`, `groups[release].overrides[github__x].name`, or `stack`. */
  field: string;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
}

export type IssueCode = keyof typeof ISSUE_CODES;

/** Collects issues; severity comes from the catalogue so a code always means the same thing. */
export class IssueList {
  readonly items: Issue[] = [];
  add(code: IssueCode, field: string, message: string, hint?: string): Issue {
    const issue: Issue = { severity: ISSUE_CODES[code].severity, code, field, message };
    if (hint !== undefined) issue.hint = hint;
    this.items.push(issue);
    return issue;
  }
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}
