// The one catalogue of issue codes the loader can report. Every code is listed here exactly once with
// its default severity and a one-line summary; docs/configuration.md documents the same list and a test
// keeps the two in step.

export type Severity = 'error' | 'warning' | 'info';

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

export const ISSUE_CODES = {
  // File and YAML
  FILE_UNREADABLE: { severity: 'error', summary: 'the stack file (or an extends parent) cannot be read' },
  YAML_SYNTAX: { severity: 'error', summary: 'the file is not well-formed YAML' },
  YAML_DUPLICATE_KEY: { severity: 'error', summary: 'a mapping repeats a key' },
  NOT_A_MAPPING: { severity: 'error', summary: 'the document is not a mapping of keys to values' },
  // Shape (from the schema)
  TYPE_MISMATCH: { severity: 'error', summary: 'a value has the wrong type' },
  REQUIRED: { severity: 'error', summary: 'a required field is missing' },
  INVALID_VALUE: { severity: 'error', summary: 'a value is not one of the allowed values' },
  OUT_OF_RANGE: { severity: 'error', summary: 'a number or list is outside its allowed range' },
  INVALID_FORMAT: {
    severity: 'error',
    summary: 'a string does not have the required form (duration, code, ...)',
  },
  UNKNOWN_KEY: { severity: 'warning', summary: 'a key the schema does not know; it is ignored' },
  UNKNOWN_KEY_STRICT: {
    severity: 'error',
    summary: 'an unknown key where typos must fail closed (secrets.sets)',
  },
  // Names
  NAME_INVALID: {
    severity: 'error',
    summary: 'a stack, server or resource name has a character not allowed',
  },
  NAME_DUPLICATE: { severity: 'error', summary: 'two servers, resources or networks share a name' },
  // Servers
  KIND_NONE: {
    severity: 'error',
    summary: 'a server sets none of image, source, url, command, ssh+command, openapi',
  },
  KIND_MULTIPLE: { severity: 'error', summary: 'a server sets more than one kind' },
  FIELD_NOT_ALLOWED: {
    severity: 'error',
    summary: 'a field that this server kind (or mode) does not accept',
  },
  PORT_REQUIRED: { severity: 'error', summary: 'an http/sse container has no port' },
  TRANSPORT_NOT_ALLOWED: { severity: 'error', summary: 'the transport is not valid for this server kind' },
  REPLICAS_NOT_ALLOWED: { severity: 'error', summary: 'replicas/autoscale on an external or OpenAPI server' },
  AUTOSCALE_WITH_REPLICAS: { severity: 'error', summary: 'autoscale and replicas are both set' },
  SCALING_ON_HOST_NETWORK: {
    severity: 'warning',
    summary: 'replicas/autoscale of an HTTP container on a host-driver network (no published ports)',
  },
  AUTOSCALE_INVALID: { severity: 'error', summary: 'autoscale bounds are inconsistent' },
  NETWORK_MODE_CONFLICT: { severity: 'error', summary: 'both network and networks are set' },
  NETWORK_REQUIRED: { severity: 'error', summary: 'advanced network mode needs a network on each container' },
  NETWORK_UNKNOWN: { severity: 'error', summary: 'a workload names a network that is not declared' },
  SOURCE_INVALID: { severity: 'error', summary: 'source fields do not match its type' },
  AUTH_INVALID: { severity: 'error', summary: 'auth fields do not match the auth type' },
  SSH_INVALID: { severity: 'error', summary: 'an ssh block is incomplete or unsafe' },
  FILE_NOT_FOUND: { severity: 'error', summary: 'a referenced file does not exist' },
  FILE_NOT_FOUND_WARN: {
    severity: 'warning',
    summary: 'a referenced file does not exist yet (checked again at apply)',
  },
  OPENAPI_INVALID: { severity: 'error', summary: 'openapi settings conflict' },
  UNPREFIXED_MANY: {
    severity: 'warning',
    summary: 'two or more servers expose tools without the server prefix',
  },
  // Cross references and policy blocks
  REFERENCE_UNKNOWN: {
    severity: 'error',
    summary: 'a name refers to a server, group or tool that does not exist',
  },
  SECRETS_INVALID: { severity: 'error', summary: 'a secrets.sets entry is invalid' },
  SECRET_SET_MISSING: {
    severity: 'error',
    summary: 'apply: a secrets.sets set has no keys in the variable store',
  },
  RATE_LIMIT_INVALID: { severity: 'error', summary: 'a rate limit entry is invalid' },
  GROUP_INVALID: { severity: 'error', summary: 'a group definition is invalid' },
  LINK_INVALID: { severity: 'error', summary: 'a link entry is invalid' },
  GLOB_INVALID: { severity: 'error', summary: 'a skills glob cannot be parsed' },
  // Extends
  EXTENDS_CYCLE: { severity: 'error', summary: 'extends files form a cycle' },
  EXTENDS_DEPTH: { severity: 'error', summary: 'extends chain deeper than 10' },
  // Variables
  VAR_MISSING: {
    severity: 'error',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
    summary: 'apply: ${var:KEY} has no value in the variable store or environment',
  },
  VAR_UNRESOLVED: {
    severity: 'info',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
    summary: 'validate: ${var:KEY} is left as written (no store consulted)',
  },
  VAR_VAULT_DEPRECATED: {
    severity: 'warning',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
    summary: '${vault:KEY} is a deprecated spelling of ${var:KEY}',
  },
  ENV_UNSET: {
    severity: 'info',
    summary: 'an environment variable used without a default is unset or empty',
  },
  // Advice
  NOT_IMPLEMENTED: {
    severity: 'warning',
    summary: 'a field that is accepted but not acted on yet; the message says what happens instead',
  },
  GATEWAY_NO_AUTH: {
    severity: 'warning',
    summary: 'a gateway block without auth: anyone who can reach it can call tools',
  },
  EXPERIMENTAL_UNKNOWN: { severity: 'warning', summary: 'an experimental flag that is unknown or graduated' },
  EXPERIMENTAL_ENABLED: { severity: 'info', summary: 'an experimental flag is on' },
  SKILLS_POLICY: { severity: 'warning', summary: 'a skills policy that hides every skill' },
  TRACING_INVALID: { severity: 'error', summary: 'gateway.tracing settings are incomplete' },
  TELEMETRY_SOFT_CAP: {
    severity: 'warning',
    summary: 'telemetry retention may use more than 5 GiB per signal',
  },
  TLS_FILE_MISSING: { severity: 'warning', summary: 'an OpenAPI TLS file does not exist' },
  TLS_VERIFY_DISABLED: {
    severity: 'warning',
    summary: "openapi.tls.insecureSkipVerify: the API's certificate is not checked",
  },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

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
