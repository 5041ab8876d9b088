// The stack's call policies as the gateway's pipeline takes them: one mapping from stack.yaml, used
// at start-up and after every reload (the policies swap whole).
import type { Stack } from '../config/index.js';
import { DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_MS } from '../gateway/pipeline/code-mode/code-mode.js';
import type { Format } from '../gateway/pipeline/output-format/output-format.js';
import type { CallPolicies } from '../gateway/pipeline/pipeline.js';
import type { LimitScope, RateLimitSpec } from '../gateway/pipeline/rate-limit/rate-limit.js';

/**
 * `apply --code-mode`: code mode for the life of this process whatever the stack says. Held here
 * rather than written into the stack, so a reload (which re-reads the file) keeps it on.
 */
let codeModeFlag = false;

export function setCodeModeFlag(on: boolean): void {
  codeModeFlag = on;
}

export function callPolicies(stack: Stack | undefined): CallPolicies {
  if (!stack) return {};
  const rateLimits: RateLimitSpec[] = [];
  for (const r of stack.limits?.rate_limits ?? []) {
    const scope: LimitScope | undefined =
      r.client !== undefined
        ? 'client'
        : r.server !== undefined
          ? 'server'
          : r.tool !== undefined
            ? 'tool'
            : undefined;
    const key = r.client ?? r.server ?? r.tool;
    if (!scope || key === undefined) continue; // validation requires exactly one
    rateLimits.push({ scope, key, callsPerMinute: r.calls_per_minute, burst: r.burst });
  }
  const serverFormats: Record<string, Format> = {};
  for (const s of stack['mcp-servers']) if (s.output_format) serverFormats[s.name] = s.output_format;
  return {
    ...(stack.clients ? { clients: stack.clients } : {}),
    ...(stack.skills ? { skills: stack.skills } : {}),
    rateLimits,
    maxToolResultBytes: stack.gateway?.maxToolResultBytes ?? 0,
    outputFormat: stack.gateway?.output_format ?? 'json',
    serverFormats,
    ...(codeModeFlag || stack.gateway?.code_mode === 'on'
      ? {
          codeMode: {
            // code_mode_timeout is in seconds; 0 means the default, as in the reference.
            timeoutMs: (stack.gateway?.code_mode_timeout || DEFAULT_TIMEOUT_MS / 1000) * 1000,
            memoryBytes: (stack.gateway?.code_mode_memory_mb ?? 0) * 1024 * 1024 || DEFAULT_MEMORY_BYTES,
          },
        }
      : {}),
  };
}
