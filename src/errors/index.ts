// The error catalogue: every code gridctl gives a user or a client, each defined once in one of the
// tables below, grouped by where it comes from. docs/errors.md shows the same tables and
// test/errors/catalogue.test.ts keeps the two in step (and fails on a code defined elsewhere).
//
// Naming: codes are UPPER_SNAKE_CASE, prefixed by their area where a bare word would be ambiguous
// (VAULT_, LINK_, SKILL_, OAUTH_). Two older families keep their spelling because clients match on
// them: the REST API's lower-case codes (and the pin errors they map from).
import { API_ERRORS } from './api.js';
import { CALL_ERRORS } from './catalogue.js';
import { ISSUE_CODES } from './config.js';
import { LINK_ERRORS } from './link.js';
import { OAUTH_ERRORS } from './oauth.js';
import { OPERATION_ERRORS } from './operations.js';
import { PIN_ERRORS } from './pins.js';
import { RUNTIME_ERRORS } from './runtime.js';
import { SKILL_ERRORS, SKILL_ISSUES } from './skills.js';
import { VAULT_ERRORS } from './vault.js';

export interface Domain {
  /** The section heading in docs/errors.md. */
  title: string;
  /** Its marker there: `<!-- errors:ID:start -->`. */
  id: string;
  codes: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export const DOMAINS: readonly Domain[] = [
  { id: 'call', title: 'Tool calls and MCP requests', codes: CALL_ERRORS },
  { id: 'config', title: 'Stack file issues', codes: ISSUE_CODES },
  { id: 'skill-issues', title: 'SKILL.md problems', codes: SKILL_ISSUES },
  { id: 'skill-errors', title: 'Skill commands', codes: SKILL_ERRORS },
  { id: 'vault', title: 'Variable store', codes: VAULT_ERRORS },
  { id: 'link', title: 'Client links and import', codes: LINK_ERRORS },
  { id: 'oauth', title: 'Upstream sign-in', codes: OAUTH_ERRORS },
  { id: 'pins', title: 'Schema pins', codes: PIN_ERRORS },
  { id: 'api', title: 'REST API', codes: API_ERRORS },
  { id: 'runtime', title: 'Home, state and logs', codes: RUNTIME_ERRORS },
  { id: 'operations', title: 'Servers, stacks and commands', codes: OPERATION_ERRORS },
];

/** Every code of every table. */
export function allCodes(): string[] {
  return DOMAINS.flatMap((d) => Object.keys(d.codes));
}

const cell = (v: unknown) => (v === undefined ? '—' : String(v));

/**
 * A domain's table as docs/errors.md shows it: the code, then each field its entries have (how it
 * travels, severity, JSON-RPC code, HTTP status, API code), then the message template or summary.
 */
export function docRows(d: Domain): { header: string[]; rows: string[][] } {
  const entries = Object.entries(d.codes);
  const has = (k: string) => entries.some(([, e]) => e[k] !== undefined);
  const cols: [string, (e: Record<string, unknown>) => string][] = [];
  if (has('as')) cols.push(['As', (e) => (e.as === 'result' ? '`isError`' : 'JSON-RPC')]);
  if (has('severity')) cols.push(['Severity', (e) => cell(e.severity)]);
  if (has('rpc')) cols.push(['JSON-RPC', (e) => cell(e.rpc)]);
  if (has('http')) cols.push(['HTTP', (e) => cell(e.http)]);
  if (has('api')) cols.push(['API code', (e) => (e.api === undefined ? '—' : `\`${e.api}\``)]);
  const text = has('message') ? 'Message' : 'Meaning';
  return {
    header: ['Code', ...cols.map(([h]) => h), text],
    rows: entries.map(([code, e]) => [
      `\`${code}\``,
      ...cols.map(([, f]) => f(e)),
      String(e.message ?? e.summary).replace(/\|/g, '\\|'),
    ]),
  };
}
