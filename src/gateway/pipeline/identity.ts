// Who a client is, for scoping, rate limits, session caps and metrics. The explicit id (URL
// `?client=` or the `X-Gridctl-Client-Id` header) wins; otherwise the client's own
// `clientInfo.name`, so a stack written for the reference scopes the same clients the same way.

/** Names real clients send in clientInfo.name, mapped to the ids stack files use for them. */
const KNOWN: Record<string, string> = {
  'claude-code': 'claude-code',
  'claude-ai': 'claude-desktop',
  'claude-desktop': 'claude-desktop',
  'lm-studio': 'lmstudio',
  lmstudio: 'lmstudio',
  'lm.studio': 'lmstudio',
  'visual-studio-code': 'vscode',
  'vs-code': 'vscode',
  'codex-mcp-client': 'codex',
};

/** Longest id kept: ids become metric labels and log fields. */
const MAX_ID = 64;

/** Lowercase, keep [a-z0-9.], fold every other run to one "-", trim "-" at both ends. */
export function normalizeClientId(raw: string): string {
  const folded = raw
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_ID)
    .replace(/-+$/, '');
  return KNOWN[folded] ?? folded;
}

/**
 * The session's access id: the explicit id when given, else the normalised clientInfo.name, else
 * "" (an anonymous client: it gets the `clients.default` policy).
 */
export function accessIdOf(explicit: string | undefined, clientName: string | undefined): string {
  const e = explicit?.trim();
  if (e) return normalizeClientId(e);
  return clientName ? normalizeClientId(clientName) : '';
}
