// `import`, the reverse of link: the MCP servers already configured in clients' files become
// servers of a stack file. Read-only on the clients; gridctl's own entries are skipped; a server
// configured the same way in several clients comes in once; plaintext secrets in `env` move into
// the variable store and the stack holds `${var:KEY}` references instead.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isSeq, parseDocument } from 'yaml';
import { loadStack } from '../config/index.js';
import type { ClientEnv, Dialect } from './dialects.js';
import { LinkError } from './errors.js';
import { writeAtomic } from './files.js';
import { canonical, entriesOf, parseDoc } from './formats.js';
import type { Ledger } from './ledger.js';

/** A server as a stack file declares it (the subset import produces). */
export interface StackServer {
  name: string;
  command?: string[];
  url?: string;
  transport?: 'http' | 'sse';
  env?: Record<string, string>;
}

export interface Found {
  client: string;
  file: string;
  server: StackServer;
  /** What could not be carried over (headers, ...). */
  dropped: string[];
}

export interface Skipped {
  client: string;
  name: string;
  reason: string;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const stringMap = (v: unknown): Record<string, string> | undefined => {
  if (!isObj(v)) return undefined;
  const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
  return Object.keys(out).length > 0 ? out : undefined;
};

/**
 * One client entry as a stack server. Covers the shapes of every dialect: `command` + `args`
 * (a string, OpenCode's array, Zed's `{path, args}`, Goose's `cmd`), `url` / `serverUrl` /
 * `httpUrl` / `uri` / `transport.url`, and `env` / `environment` / `envs`.
 */
export function toServer(
  name: string,
  raw: unknown,
): { server?: StackServer; dropped: string[]; why?: string } {
  if (!isObj(raw)) return { dropped: [], why: 'not an object' };
  const e = isObj(raw.transport) ? { ...raw, ...raw.transport } : raw;
  const dropped: string[] = [];
  if (isObj(e.headers) && Object.keys(e.headers).length > 0) dropped.push('headers');
  const nested = isObj(e.command) ? e.command : {};
  const env = stringMap(e.env) ?? stringMap(e.environment) ?? stringMap(e.envs) ?? stringMap(nested.env);
  const url = str(e.url) ?? str(e.serverUrl) ?? str(e.httpUrl) ?? str(e.uri);
  if (url) {
    const type = String(e.type ?? '').toLowerCase();
    const transport = type === 'sse' || (!e.httpUrl && /\/sse\/?$/.test(url) && type === '') ? 'sse' : 'http';
    return { server: { name, url, transport }, dropped };
  }
  let command: string[] = [];
  if (Array.isArray(e.command)) command = strings(e.command);
  else if (isObj(e.command)) command = [str(e.command.path) ?? '', ...strings(e.command.args)];
  else if (str(e.command) ?? str(e.cmd)) command = [(str(e.command) ?? str(e.cmd))!, ...strings(e.args)];
  if (command.length === 0 || command[0] === '') return { dropped, why: 'neither a command nor a URL' };
  // A stdio bridge to a remote server (mcp-remote, as link writes for Claude Desktop) is that server.
  const bridged = bridgeUrl(command);
  if (bridged)
    return { server: { name, url: bridged, transport: /\/sse\/?$/.test(bridged) ? 'sse' : 'http' }, dropped };
  return { server: { name, command, ...(env ? { env } : {}) }, dropped };
}

function bridgeUrl(command: string[]): string | undefined {
  const at = command.findIndex((a) => a === 'mcp-remote' || a.startsWith('mcp-remote@'));
  if (at < 0 || !['npx', 'bunx', 'pnpx'].includes(basename(command[0]!))) return undefined;
  return command.slice(at + 1).find((a) => /^https?:\/\//.test(a));
}

/** The servers configured in one client (gridctl's own entries left out). */
export function readClient(
  d: Dialect,
  ce: ClientEnv,
  ledger: Ledger,
): { found: Found[]; skipped: Skipped[] } {
  const found: Found[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();
  for (const t of d.targets(ce)) {
    if (!existsSync(t.file) || seen.has(t.file)) continue;
    seen.add(t.file);
    let doc: Record<string, unknown>;
    try {
      doc = parseDoc(readFileSync(t.file, 'utf8'), t.format);
    } catch (err) {
      skipped.push({ client: d.slug, name: '*', reason: `${t.file}: ${(err as Error).message}` });
      continue;
    }
    const keys = [t.key, ...(t.alsoRead ?? [])];
    // An older key may hold the current one (mcp holds mcp.servers): that is no server.
    const isContainer = (key: readonly string[], name: string) =>
      key !== t.key && [...key, name].every((k, i) => t.key[i] === k);
    const entries = keys.flatMap((key) =>
      [...entriesOf(doc, key, t.container)].filter(([name]) => !isContainer(key, name)),
    );
    for (const [name, raw] of entries) {
      if (ledger.find(t.file, name) || name === 'gridctl' || name.startsWith('gridctl-')) {
        skipped.push({ client: d.slug, name, reason: "gridctl's own entry" });
        continue;
      }
      const { server, dropped, why } = toServer(stackName(name), raw);
      if (!server) skipped.push({ client: d.slug, name, reason: why ?? 'unreadable' });
      else found.push({ client: d.slug, file: t.file, server, dropped });
    }
  }
  return { found, skipped };
}

/** A client's entry name as a stack server name (letters, digits, `-` and `_`; no `__`). */
function stackName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/_{2,}/g, '_')
      .replace(/^-+|-+$/g, '') || 'server'
  );
}

/**
 * One list from many clients: the same definition under one name comes in once; a different one
 * under a name already taken gets the client's slug appended.
 */
export function dedupe(found: Found[], taken: Iterable<string>): { servers: Found[]; duplicates: Found[] } {
  const byName = new Map<string, Found>();
  const names = new Set(taken);
  const servers: Found[] = [];
  const duplicates: Found[] = [];
  for (const f of found) {
    const prev = byName.get(f.server.name);
    if (prev && canonical({ ...prev.server }) === canonical({ ...f.server })) {
      duplicates.push(f);
      continue;
    }
    let name = f.server.name;
    if (names.has(name)) name = `${name}-${f.client}`;
    for (let i = 2; names.has(name); i++) name = `${f.server.name}-${f.client}-${i}`;
    names.add(name);
    const entry = { ...f, server: { ...f.server, name } };
    byName.set(f.server.name, entry);
    servers.push(entry);
  }
  return { servers, duplicates };
}

const SECRET_KEY = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH/i;

/** Whether an env value is a plaintext secret worth moving into the store. */
export function isPlainSecret(key: string, value: string): boolean {
  return SECRET_KEY.test(key) && value !== '' && !/\$\{[^}]+\}/.test(value);
}

/** `github` + `GITHUB_TOKEN` → `GITHUB_GITHUB_TOKEN` is noisy: the env key alone when it names the server. */
export function variableName(server: string, key: string, taken: (k: string) => boolean): string {
  const up = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const prefix = up(server);
  let base = up(key).startsWith(`${prefix}_`) ? up(key) : `${prefix}_${up(key)}`;
  if (/^[0-9]/.test(base)) base = `_${base}`;
  let name = base;
  for (let i = 2; taken(name); i++) name = `${base}_${i}`;
  return name;
}

/**
 * Replaces plaintext secrets in each server's env with `${var:KEY}` and calls `store` for each.
 * Returns the variable names used.
 */
export function moveSecrets(
  servers: StackServer[],
  store: { has(key: string): boolean; set(key: string, value: string): void },
): string[] {
  const moved: string[] = [];
  for (const s of servers) {
    if (!s.env) continue;
    for (const [k, v] of Object.entries(s.env)) {
      if (!isPlainSecret(k, v)) continue;
      const name = variableName(s.name, k, (n) => store.has(n) || moved.includes(n));
      store.set(name, v);
      moved.push(name);
      s.env[k] = `\${var:${name}}`;
    }
  }
  return moved;
}

/** Server names the stack file declares already (none when it does not exist). */
export function existingNames(stackFile: string): string[] {
  if (!existsSync(stackFile)) return [];
  const doc = parseDocument(readFileSync(stackFile, 'utf8'));
  const list = doc.get('mcp-servers');
  if (!isSeq(list)) return [];
  return list.items.flatMap((n) => {
    const name = (n as { get?: (k: string) => unknown }).get?.('name');
    return typeof name === 'string' ? [name] : [];
  });
}

/**
 * The stack file's text with `servers` appended to `mcp-servers` (comments kept), created with a
 * name from its folder when it does not exist yet.
 */
export function appendServers(stackFile: string, servers: StackServer[]): string {
  const text = existsSync(stackFile)
    ? readFileSync(stackFile, 'utf8')
    : `version: "1"\nname: ${stackName(basename(dirname(stackFile))).toLowerCase() || 'imported'}\n`;
  const doc = parseDocument(text);
  const list = doc.get('mcp-servers');
  const nodes = servers.map((s) => doc.createNode(s));
  if (isSeq(list)) for (const n of nodes) list.add(n);
  else doc.set('mcp-servers', doc.createNode(servers));
  return String(doc);
}

/**
 * Writes the stack file only if the result validates (checked on a temp copy beside it, so
 * relative `extends` resolve the same); the previous file is backed up first.
 */
export async function writeStack(
  stackFile: string,
  text: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const probe = join(dirname(stackFile), `.${basename(stackFile)}.gridctl-import.yaml`);
  writeFileSync(probe, text);
  try {
    const loaded = await loadStack(probe, { mode: 'validate', env });
    const errors = loaded.issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new LinkError(
        'IMPORT_INVALID',
        `the stack file would not validate after the import (${first.field}: ${first.message}); nothing was written`,
      );
    }
  } finally {
    rmSync(probe, { force: true });
  }
  return writeAtomic(stackFile, text);
}
