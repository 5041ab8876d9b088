// Per-client scope (the stack's `clients:` block). One ClientScopes object answers both "may this
// client call X" (the interceptor below) and "what does this client see" (the per-session list
// views in ../views.ts), so the two can never disagree.
import { callError } from '../../../errors/catalogue.js';
import { SKILLS_SOURCE } from '../../catalogue/catalog.js';
import { normalizeClientId } from '../identity.js';
import type { Interceptor } from '../types.js';

export interface ClientProfile {
  aliases?: readonly string[];
  /** Empty or absent: every server (narrowed by `tools` when that is set). */
  servers?: readonly string[];
  /** Exposed tool names (`server__tool`); empty or absent: every tool of the allowed servers. */
  tools?: readonly string[];
}

export interface ClientsPolicy {
  default: 'allow' | 'deny';
  profiles: Readonly<Record<string, ClientProfile>>;
}

/** What one client may reach. */
export interface Scope {
  /** The profile that matched, if any. */
  readonly profile: string | undefined;
  /** Everything is allowed: list and call paths skip filtering. */
  readonly all: boolean;
  /** Nothing is allowed. */
  readonly none: boolean;
  tool(exposed: string, server: string | undefined): boolean;
  /** Prompts, resources and templates are scoped by their server. */
  server(server: string | undefined): boolean;
  /** A short description for status and the UI. */
  describe(): ScopeSummary;
}

export interface ScopeSummary {
  profile?: string;
  access: 'all' | 'none' | 'some';
  servers?: string[];
  tools?: string[];
}

const ALL: Scope = {
  profile: undefined,
  all: true,
  none: false,
  tool: () => true,
  server: () => true,
  describe: () => ({ access: 'all' }),
};

const NONE: Scope = {
  profile: undefined,
  all: false,
  none: true,
  tool: () => false,
  server: () => false,
  describe: () => ({ access: 'none' }),
};

function profileScope(id: string, p: ClientProfile): Scope {
  const servers = new Set(p.servers ?? []);
  const tools = new Set(p.tools ?? []);
  if (servers.size === 0 && tools.size === 0)
    return { ...ALL, profile: id, describe: () => ({ profile: id, access: 'all' }) };
  // With only `tools` set, the servers that own those tools are the ones in scope for prompts
  // and resources: listing one tool of a server must not open every other server's prompts.
  const toolServers = new Set([...tools].map((t) => t.split('__', 1)[0] as string));
  const serverOk = (s: string | undefined) =>
    s !== undefined && (servers.size > 0 ? servers.has(s) : toolServers.has(s));
  return {
    profile: id,
    all: false,
    none: false,
    tool: (exposed, server) =>
      tools.size > 0 ? tools.has(exposed) && (servers.size === 0 || serverOk(server)) : serverOk(server),
    // Skills are instructions, not capabilities: a client that may reach anything sees them (the
    // stack's `skills:` policy chooses which).
    server: (s) => s === SKILLS_SOURCE || serverOk(s),
    describe: () => ({
      profile: id,
      access: 'some',
      ...(servers.size > 0 ? { servers: [...servers] } : {}),
      ...(tools.size > 0 ? { tools: [...tools] } : {}),
    }),
  };
}

export class ClientScopes {
  /** Normalised profile key or alias → profile id. */
  private readonly ids = new Map<string, string>();
  private readonly cache = new Map<string, Scope>();

  constructor(private readonly policy: ClientsPolicy | undefined) {
    if (!policy) return;
    for (const [id, p] of Object.entries(policy.profiles)) {
      for (const name of [id, ...(p.aliases ?? [])]) {
        const key = normalizeClientId(name);
        if (!this.ids.has(key)) this.ids.set(key, id); // first declaration wins
      }
    }
  }

  /** No `clients:` block: every client sees everything. */
  get open(): boolean {
    return this.policy === undefined;
  }

  /** The scope of a (normalised) access id; cached, since ids repeat on every call. */
  of(accessId: string): Scope {
    if (!this.policy) return ALL;
    let s = this.cache.get(accessId);
    if (s) return s;
    const id = accessId === '' ? undefined : this.ids.get(accessId);
    const profile = id === undefined ? undefined : this.policy.profiles[id];
    s =
      profile && id !== undefined ? profileScope(id, profile) : this.policy.default === 'allow' ? ALL : NONE;
    if (this.cache.size > 10_000) this.cache.clear(); // ids come from clients: bound the memory
    this.cache.set(accessId, s);
    return s;
  }
}

/** Denies calls outside the client's scope before anything is routed or counted. */
export function scopeInterceptor(scopes: ClientScopes): Interceptor {
  return (next) => (ctx) => {
    const scope = scopes.of(ctx.accessId);
    if (scope.all || scope.tool(ctx.name, ctx.server)) return next(ctx);
    return Promise.resolve(
      callError('SCOPE_DENIED', { tool: ctx.requested, client: ctx.accessId || 'anonymous' }),
    );
  };
}
