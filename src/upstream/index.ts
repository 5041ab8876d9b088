// One entry point to build an upstream client from a plain spec; the gateway never needs to know
// which transport class sits behind UpstreamClient.

import { coded, internal } from '../errors/coded.js';
import { ContainerAttachUpstream, type ContainerStdioHandle } from './container-attach.js';
import { type OpenApiConfig, OpenApiUpstream } from './openapi/index.js';
import { SseUpstream } from './sse.js';
import { type SshTarget, SshUpstream } from './ssh.js';
import { StdioUpstream } from './stdio.js';
import { StreamableHttpUpstream } from './streamable-http.js';
import type { UpstreamAuth, UpstreamClient } from './types.js';

export type UpstreamSpec =
  | {
      transport: 'stdio';
      command: string[];
      env?: Record<string, string>;
      passEnv?: readonly string[];
      cwd: string;
    }
  | { transport: 'http'; url: string; headers?: Record<string, string>; auth?: UpstreamAuth }
  | { transport: 'sse'; url: string; headers?: Record<string, string> }
  | { transport: 'container-stdio'; container: ContainerStdioHandle }
  | {
      transport: 'ssh';
      ssh: SshTarget;
      command: string[];
      env?: Record<string, string>;
      passEnv?: readonly string[];
    }
  | {
      transport: 'openapi';
      openapi: OpenApiConfig;
      stackDir: string;
      /** Auth variables and `${NAME}` expansion in a spec file (default process.env). */
      env?: NodeJS.ProcessEnv;
      noExpand?: boolean;
    };

export interface UpstreamFactoryOptions {
  /** Request timeout when a call gives none (default 60 s). */
  defaultTimeoutMs?: number;
  /** Timeout of the initialize handshake (default 60 s). */
  initTimeoutMs?: number;
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
      if (spec.command.length === 0) throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": empty command`);
      return new StdioUpstream(name, {
        ...opts,
        command: spec.command,
        env: spec.env,
        passEnv: spec.passEnv,
        cwd: spec.cwd,
      });
    case 'http':
      return new StreamableHttpUpstream(name, {
        ...opts,
        url: checkUrl(spec.url, name),
        headers: spec.headers,
        auth: spec.auth,
      });
    case 'sse':
      return new SseUpstream(name, { ...opts, url: checkUrl(spec.url, name), headers: spec.headers });
    case 'ssh':
      if (spec.command.length === 0)
        throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": empty remote command`);
      return new SshUpstream(name, {
        ...opts,
        ssh: spec.ssh,
        command: spec.command,
        env: spec.env,
        passEnv: spec.passEnv,
      });
    case 'openapi':
      return new OpenApiUpstream(name, {
        openapi: spec.openapi,
        stackDir: spec.stackDir,
        env: spec.env,
        noExpand: spec.noExpand,
        defaultTimeoutMs: opts.defaultTimeoutMs,
      });
    case 'container-stdio':
      return new ContainerAttachUpstream(name, { ...opts, container: spec.container });
    default:
      throw internal(`server "${name}": unknown transport "${(spec as { transport: string }).transport}"`);
  }
}

function checkUrl(url: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": invalid url "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": url "${url}" must be http:// or https://`);
  }
  return url;
}

export {
  ContainerAttachUpstream,
  type ContainerLogSource,
  type ContainerStdioHandle,
  WithContainerLogs,
} from './container-attach.js';
export { type OpenApiAuth, type OpenApiConfig, OpenApiUpstream } from './openapi/index.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, RequestCancelledCode, SUPPORTED_PROTOCOL_VERSIONS } from './session.js';
export { SseUpstream } from './sse.js';
export { type SshTarget, SshUpstream, sshCommand } from './ssh.js';
export { StdioUpstream } from './stdio.js';
export { StreamableHttpUpstream } from './streamable-http.js';
export type * from './types.js';
