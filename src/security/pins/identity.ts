// What makes a server "the same server" for its pins: where its code comes from (command, image,
// build source, url, ssh host, OpenAPI spec). Environment, timeouts and the tool whitelist are not
// part of it. When the identity changes (a reload that edits the command, or an edited stack file
// applied later) the server's tools are pinned afresh instead of being reported as drift: the user
// changed the server on purpose. Stored hashed, so a URL carrying a token never lands in the file.
import type { McpServer } from '../../config/index.js';
import { canonicalJson, sha256 } from './canonical.js';
import type { PinSettings } from './manager.js';

export function serverIdentity(server: McpServer): string {
  return sha256(
    canonicalJson({
      command: server.command,
      image: server.image,
      source: server.source
        ? {
            type: server.source.type,
            url: server.source.url,
            ref: server.source.ref,
            path: server.source.path,
          }
        : undefined,
      url: server.url,
      ssh: server.ssh ? { host: server.ssh.host, user: server.ssh.user, port: server.ssh.port } : undefined,
      openapi: server.openapi?.spec,
    }),
  );
}

/** The pin fields of a gateway ServerSpec for a stack server. */
export function pinFields(server: McpServer): { pinSchemas: boolean; pinIdentity: string } {
  return { pinSchemas: server.pin_schemas !== false, pinIdentity: serverIdentity(server) };
}

/** Adds each server's pin fields to the specs built for a stack (matched by name). */
export function withPinFields<T extends { name: string }>(
  stack: { 'mcp-servers': readonly McpServer[] },
  specs: T[],
): T[] {
  const byName = new Map(stack['mcp-servers'].map((s) => [s.name, s]));
  return specs.map((spec) => {
    const server = byName.get(spec.name);
    return server ? { ...spec, ...pinFields(server) } : spec;
  });
}

/** The stack's `gateway.security.schema_pinning` as manager settings. */
export function pinSettings(stack: {
  gateway?: {
    security?: {
      schema_pinning?: {
        enabled?: boolean;
        action?: 'warn' | 'block';
        scan?: boolean;
        scan_ignore?: string[];
      };
    };
  };
}): PinSettings {
  const p = stack.gateway?.security?.schema_pinning;
  return {
    enabled: p?.enabled ?? true,
    action: p?.action ?? 'warn',
    scan: p?.scan ?? true,
    scanIgnore: p?.scan_ignore ?? [],
  };
}
