// Issues the stack-file loader reports (`gridctl validate`, apply, the UI's editor). Each code once,
// with its severity (an issue of that code always has it) and what it means.
import type { Severity } from './entry.js';

export const ISSUE_CODES = {
  FILE_UNREADABLE: {
    severity: 'error',
    summary: 'The stack file or a parent cannot be read, is not a regular file, or > 1 MiB.',
  },
  YAML_SYNTAX: {
    severity: 'error',
    summary: 'Not well-formed YAML (the first few parser errors are shown).',
  },
  YAML_DUPLICATE_KEY: { severity: 'error', summary: 'A mapping repeats a key.' },
  NOT_A_MAPPING: {
    severity: 'error',
    summary: 'The document (of the stack file or a parent) is empty or not a mapping.',
  },
  TYPE_MISMATCH: {
    severity: 'error',
    summary: 'Wrong type (`must be a list, not string "node server.js"`).',
  },
  REQUIRED: { severity: 'error', summary: 'A required field is missing.' },
  INVALID_VALUE: { severity: 'error', summary: 'Not one of the allowed values.' },
  OUT_OF_RANGE: { severity: 'error', summary: 'Number, string or list outside its range.' },
  INVALID_FORMAT: {
    severity: 'error',
    summary: 'A duration, finding code or port mapping of the wrong form.',
  },
  UNKNOWN_KEY: { severity: 'warning', summary: 'Unknown key, ignored; names the closest known key.' },
  UNKNOWN_KEY_STRICT: { severity: 'error', summary: 'Unknown key inside a `secrets.sets` entry.' },
  NAME_INVALID: { severity: 'error', summary: 'A name with a character that is not allowed, or `__`.' },
  NAME_DUPLICATE: { severity: 'error', summary: 'Two servers, resources or networks with one name.' },
  KIND_NONE: { severity: 'error', summary: 'A server with no kind.' },
  KIND_MULTIPLE: { severity: 'error', summary: 'A server with more than one kind.' },
  FIELD_NOT_ALLOWED: {
    severity: 'error',
    summary: 'A field this kind does not take (port on external, auth on a container, ...).',
  },
  PORT_REQUIRED: { severity: 'error', summary: 'An http/sse container without `port`.' },
  TRANSPORT_NOT_ALLOWED: { severity: 'error', summary: 'A transport this kind does not take.' },
  REPLICAS_NOT_ALLOWED: {
    severity: 'error',
    summary: '`replicas` > 1 or `autoscale` on external/OpenAPI servers.',
  },
  AUTOSCALE_WITH_REPLICAS: { severity: 'error', summary: 'Both `replicas` and `autoscale`.' },
  SCALING_ON_HOST_NETWORK: {
    severity: 'warning',
    summary:
      '`replicas`/`autoscale` on an HTTP container on a `host`-driver network: no port is published, so replicas never become ready.',
  },
  AUTOSCALE_INVALID: { severity: 'error', summary: 'Autoscale bounds that contradict each other.' },
  NETWORK_MODE_CONFLICT: { severity: 'error', summary: 'Both `network` and `networks`.' },
  NETWORK_REQUIRED: {
    severity: 'error',
    summary: 'Advanced mode and a container/resource without `network`.',
  },
  NETWORK_UNKNOWN: { severity: 'error', summary: 'A `network` not declared in `networks`.' },
  SOURCE_INVALID: { severity: 'error', summary: '`source` fields that do not fit its type or auth method.' },
  AUTH_INVALID: { severity: 'error', summary: 'Auth fields that do not fit the auth type.' },
  SSH_INVALID: { severity: 'error', summary: 'An unsafe `jumpHost`.' },
  FILE_NOT_FOUND: {
    severity: 'error',
    summary: '`knownHostsFile` or a local `source.path` that does not exist.',
  },
  FILE_NOT_FOUND_WARN: { severity: 'warning', summary: 'A local OpenAPI spec that does not exist (yet).' },
  OPENAPI_INVALID: { severity: 'error', summary: '`include` with `exclude`; cert without key.' },
  UNPREFIXED_MANY: { severity: 'warning', summary: 'Two or more `unprefixed` servers.' },
  REFERENCE_UNKNOWN: { severity: 'error', summary: 'A server or tool name that the stack does not declare.' },
  SECRETS_INVALID: {
    severity: 'error',
    summary: 'A `secrets.sets` entry that is empty, repeated or names unknown workloads.',
  },
  SECRET_SET_MISSING: {
    severity: 'error',
    summary: 'Apply: a set named in `secrets.sets` has no keys in the variable store.',
  },
  RATE_LIMIT_INVALID: {
    severity: 'error',
    summary: 'A rate limit without exactly one scope, or a repeated one.',
  },
  GROUP_INVALID: {
    severity: 'error',
    summary: 'A group rule broken (name, members, overrides, renames, length).',
  },
  LINK_INVALID: { severity: 'error', summary: 'A client linked twice or an unknown group.' },
  GLOB_INVALID: { severity: 'error', summary: 'A skills glob that cannot be parsed.' },
  EXTENDS_CYCLE: { severity: 'error', summary: '`extends` files form a cycle.' },
  EXTENDS_DEPTH: { severity: 'error', summary: 'More than 10 levels of `extends`.' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
  VAR_MISSING: { severity: 'error', summary: 'Apply: `${var:KEY}` without a value or default.' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
  VAR_UNRESOLVED: { severity: 'info', summary: 'Validate: `${var:KEY}` left as written.' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
  VAR_VAULT_DEPRECATED: { severity: 'warning', summary: '`${vault:KEY}`; write `${var:KEY}`.' },
  ENV_UNSET: { severity: 'info', summary: 'An environment variable without a default is unset.' },
  NOT_IMPLEMENTED: {
    severity: 'warning',
    summary:
      'A field set that is accepted but not acted on yet; see [Not implemented yet](configuration.md#not-implemented-yet).',
  },
  GATEWAY_NO_AUTH: { severity: 'warning', summary: 'A `gateway:` block without `auth`.' },
  EXPERIMENTAL_UNKNOWN: { severity: 'warning', summary: 'Unknown or graduated experimental flag.' },
  EXPERIMENTAL_ENABLED: { severity: 'info', summary: 'An experimental flag is on.' },
  SKILLS_POLICY: { severity: 'warning', summary: '`default: deny` with an empty `allow`.' },
  TRACING_INVALID: {
    severity: 'error',
    summary: '`gateway.tracing.export: otlp` without an http(s) `endpoint`.',
  },
  TELEMETRY_SOFT_CAP: { severity: 'warning', summary: 'Retention above 5 GiB per signal.' },
  TLS_FILE_MISSING: { severity: 'warning', summary: 'An OpenAPI TLS file that does not exist.' },
  TLS_VERIFY_DISABLED: {
    severity: 'warning',
    summary: "`openapi.tls.insecureSkipVerify: true`: the API's certificate is not checked.",
  },
} as const satisfies Record<string, { severity: Severity; summary: string }>;
