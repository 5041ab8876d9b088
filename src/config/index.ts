// Public API of the config package. Other packages import only from here; these names are stable:
//   loadStack(file, { mode, env, resolver, injectSecrets }) → Promise<LoadResult>
//   LoadResult { ok, stack?, issues, file, files, source? }
//   Issue { severity, code, field, message, hint?, file?, line?, column? }
//   Stack, McpServer, Resource, GatewayConfig   (types inferred from the schema, after defaults)
//   serverKind(server) → 'container' | 'external' | 'ssh' | 'local' | 'openapi'
//   parseDuration("1m30s") → milliseconds
//   VariableResolver { get(key) }               (the variable store plugs in here)
//   ISSUE_CODES                                 (the error catalogue)
//   printable(text) → text with control characters escaped (for terminals)
//   stackSchema, stackJsonSchema()              (the schema and its JSON Schema)
export { parseDuration } from './duration.js';
export type { VariableResolver } from './expand.js';
export { ISSUE_CODES, type Issue, type IssueCode, type Severity } from './issues.js';
export { stackJsonSchema } from './json-schema.js';
export { type LoadOptions, type LoadResult, loadStack, serverKind } from './load.js';
export { printable } from './printable.js';
export {
  type GatewayConfig,
  type McpServer,
  type Resource,
  type ServerKind,
  type Stack,
  stackSchema,
} from './schema.js';
