// Deterministic names and labels of everything gridctl creates in an engine, and the spec hash that
// decides whether an existing container may be reused.
import { createHash } from 'node:crypto';
import type { ContainerSpec, Labels } from './types.js';

export const LABEL = {
  managed: 'gridctl.managed',
  stack: 'gridctl.stack',
  server: 'gridctl.mcp-server',
  resource: 'gridctl.resource',
  replica: 'gridctl.replica',
  transport: 'gridctl.transport',
  containerPort: 'gridctl.port',
  hash: 'gridctl.spec-hash',
} as const;

export function stackLabels(stack: string): Labels {
  return { [LABEL.managed]: 'true', [LABEL.stack]: stack };
}

/** `gridctl-<stack>-<server>`, or `...-replica-<id>` when the server runs more than one replica. */
export function containerName(stack: string, workload: string, replica?: number): string {
  return replica === undefined
    ? `gridctl-${stack}-${workload}`
    : `gridctl-${stack}-${workload}-replica-${replica}`;
}

export function builtImageTag(stack: string, server: string): string {
  return `gridctl-${stack}-${server}:latest`.toLowerCase();
}

/**
 * Hash of everything that shaped a container: its spec (without the hash label itself) and the id
 * of the image it runs, so a rebuilt or re-pulled image also counts as a change.
 */
export function specHash(spec: ContainerSpec, imageId: string): string {
  const { [LABEL.hash]: _drop, ...labels } = spec.labels;
  const canonical = JSON.stringify(sortKeys({ ...spec, labels, imageId }));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
