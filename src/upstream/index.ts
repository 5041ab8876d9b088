// One entry point to build an upstream client from a plain spec; the gateway never needs to know
// which transport class sits behind UpstreamClient.
import { StdioUpstream } from './stdio.js';
import type { UpstreamClient } from './types.js';

export type UpstreamSpec =
  | { transport: 'stdio'; command: string[]; env?: Record<string, string>; cwd: string }
  | { transport: 'http'; url: string; headers?: Record<string, string> }
  | { transport: 'sse'; url: string; headers?: Record<string, string> };

export interface UpstreamFactoryOptions {
  /** Request timeout when a call gives none (default 60 s). */
  defaultTimeoutMs?: number;
  /** stdio: time between SIGTERM and SIGKILL on close (default 2 s). */
  killGraceMs?: number;
}

export function createUpstream(
  spec: UpstreamSpec,
  name: string,
  opts: UpstreamFactoryOptions = {},
): UpstreamClient {
  switch (spec.transport) {
    case 'stdio':
      if (spec.command.length === 0) throw new Error(`server "${name}": empty command`);
      return new StdioUpstream(name, { ...opts, command: spec.command, env: spec.env, cwd: spec.cwd });
    default:
      throw new Error(
        `server "${name}": transport "${(spec as { transport: string }).transport}" is not supported yet`,
      );
  }
}

export { DEFAULT_REQUEST_TIMEOUT_MS, RequestCancelledCode, SUPPORTED_PROTOCOL_VERSIONS } from './session.js';
export { StdioUpstream } from './stdio.js';
export type * from './types.js';
