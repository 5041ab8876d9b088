// The environment of every process gridctl starts for a server. A server never inherits gridctl's
// environment wholesale: that holds GRIDCTL_VAULT_PASSPHRASE (which opens the whole store, so any
// server could read every secret), GRIDCTL_HOME, and whatever else the user's shell exports. A
// server gets, in this order (later wins):
//   1. the basics a program needs to run (BASE_VARS, plus the LC_* locale variables), when set;
//   2. the host variables its `pass_env` names (an entry ending in `*` is a prefix);
//   3. its declared `env` (with the values of `${var:}` and `secrets.sets`).
// gridctl's own variables (GRIDCTL_*) are never taken from the host, whatever 1 and 2 say.
// Containers get only 2 and 3: the host's PATH or HOME mean nothing inside an image.
// docs/variables.md lists the same (keep them in step).

/** Host variables every local process and ssh client gets (when set). */
export const BASE_VARS = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_RUNTIME_DIR',
  // Network reach and TLS trust, so `npx`/`uvx` fetch packages the way gridctl itself can.
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
] as const;

/** Prefixes of host variables every local process and ssh client gets. */
export const BASE_PREFIXES = ['LC_'] as const;

/** What the local ssh client needs on top: the agent holding the user's keys. */
export const SSH_CLIENT_VARS = ['SSH_AUTH_SOCK'] as const;

/** gridctl's own variables: never passed to a server from the host. */
export function isGridctlOwn(name: string): boolean {
  return name.startsWith('GRIDCTL_');
}

function matches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

export type EnvBase = 'process' | 'ssh' | 'container';

export interface ServerEnvOptions {
  /** gridctl's own environment (the daemon's). */
  host: NodeJS.ProcessEnv;
  /** The server's declared `env`. */
  declared?: Record<string, string> | undefined;
  /** The server's `pass_env`: names, or prefixes ending in `*`. */
  pass?: readonly string[] | undefined;
  /** Which basics: a local process (default), the local ssh client (also SSH_AUTH_SOCK), or none. */
  base?: EnvBase;
}

/** The complete environment of a server's process (or container). */
export function serverEnv(o: ServerEnvOptions): Record<string, string> {
  const wanted: string[] = [...(o.pass ?? [])];
  if (o.base !== 'container') wanted.push(...BASE_VARS, ...BASE_PREFIXES.map((p) => `${p}*`));
  if (o.base === 'ssh') wanted.push(...SSH_CLIENT_VARS);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(o.host)) {
    if (value === undefined || isGridctlOwn(name) || !matches(name, wanted)) continue;
    out[name] = value;
  }
  return { ...out, ...o.declared };
}

/** gridctl's environment minus its own variables, for the tools it runs itself (git). */
export function withoutOwn(host: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(host).filter(([name]) => !isGridctlOwn(name)));
}
