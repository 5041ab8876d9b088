// What a stack file says about an OpenAPI server, after loading (paths still as written).
import type { OpenApiTls } from './tls.js';

export type OpenApiAuth =
  /** `Authorization: Bearer <$tokenEnv>` */
  | { type: 'bearer'; tokenEnv: string }
  /** `<header>: <$valueEnv>` */
  | { type: 'header'; header: string; valueEnv: string }
  /** `?<paramName>=<$valueEnv>` on every request */
  | { type: 'query'; paramName: string; valueEnv: string }
  /** `Authorization: Basic base64(<$usernameEnv>:<$passwordEnv>)` */
  | { type: 'basic'; usernameEnv: string; passwordEnv: string }
  /** OAuth 2 client-credentials grant; the token is cached until shortly before it expires. */
  | { type: 'oauth2'; clientIdEnv: string; clientSecretEnv: string; tokenUrl: string; scopes?: string[] };

export interface OpenApiConfig {
  /** Path (relative to the stack directory) or http(s) URL of the spec, JSON or YAML. */
  spec: string;
  /** Overrides the spec's servers[0].url (OpenAPI 3) or scheme+host+basePath (Swagger 2). */
  baseUrl?: string;
  auth?: OpenApiAuth;
  /** Raw operationIds (or generated tool names); include and exclude are mutually exclusive. */
  operations?: { include?: string[]; exclude?: string[] };
  /** Client certificate, CA and skip-verify for the spec URL and the tool calls (not the OAuth token URL). */
  tls?: OpenApiTls;
  /** Deadline of one HTTP request made by a tool call (default 30 s). */
  timeoutMs?: number;
  /** Response bodies beyond this many bytes are cut, with a note (default 1 MiB). */
  maxResponseBytes?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Cap on a spec fetched from a URL. */
export const MAX_SPEC_BYTES = 10 * 1024 * 1024;
