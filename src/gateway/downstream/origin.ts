// DNS-rebinding defence for every MCP route: the Host header must name a loopback address (or an
// explicitly allowed host), and a browser's Origin must be loopback or explicitly allowed.

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Split `host[:port]` (with `[v6]` brackets) into its host part, lower-cased. */
export function hostPart(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export function isLoopbackHost(host: string): boolean {
  if (LOOPBACK_NAMES.has(host)) return true;
  if (host.endsWith('.localhost')) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export class RequestGuard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;

  constructor(allowedHosts: readonly string[] = [], allowedOrigins: readonly string[] = []) {
    this.hosts = new Set(allowedHosts.map((h) => h.trim().toLowerCase()));
    this.origins = new Set(allowedOrigins.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')));
    this.anyOrigin = this.origins.has('*');
  }

  /** A missing Host (HTTP/1.0, not a browser) passes; browsers always send one. */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (hostHeader === undefined || hostHeader === '') return true;
    const full = hostHeader.trim().toLowerCase();
    const host = hostPart(full);
    return isLoopbackHost(host) || this.hosts.has(full) || this.hosts.has(host);
  }

  /** No Origin (non-browser clients) passes; `null` and foreign origins do not. */
  originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.anyOrigin) return true;
    const o = origin.trim().toLowerCase();
    if (this.origins.has(o)) return true;
    try {
      const u = new URL(o);
      return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname);
    } catch {
      return false;
    }
  }
}
