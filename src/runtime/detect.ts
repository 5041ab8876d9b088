// Finding a container engine. Order: `--runtime` flag, GRIDCTL_RUNTIME, DOCKER_HOST (unix://),
// the active Docker CLI context, /var/run/docker.sock, Podman's rootful socket, then its rootless
// one. A socket counts only if it answers GET /_ping with 200 within 2 s; the engine is Podman when
// its /version names a Podman component.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DockerApiRuntime } from './docker-api.js';
import { type RuntimeInfo, type RuntimeKind, RuntimeNotFoundError, type WorkloadRuntime } from './types.js';

export interface DetectOptions {
  /** `--runtime docker|podman`. */
  flag?: string;
  env: NodeJS.ProcessEnv;
  /** Ping deadline per socket (default 2 s). */
  pingTimeoutMs?: number;
}

export interface Candidate {
  socket: string;
  source: string;
  /** The engine this location belongs to, when the location says so. */
  kind?: RuntimeKind;
}

export interface Attempt extends Candidate {
  /** Why the socket did not count; unset when it answered. */
  problem?: string;
}

export const START_HINT =
  'Start one, e.g. Podman: `mkdir -p /run/podman && podman system service --time=0 unix:///run/podman/podman.sock &` ' +
  '(rootless: `podman system service --time=0 &`), or Docker: `sudo systemctl start docker`. ' +
  'Or point DOCKER_HOST=unix:///path/to.sock at a running engine.';

/** The sockets to try, in order, for an explicit choice or for auto-detection. */
export function candidates(opts: DetectOptions): { explicit?: RuntimeKind; list: Candidate[] } {
  const raw = opts.flag ?? opts.env.GRIDCTL_RUNTIME;
  const source = opts.flag !== undefined ? '--runtime' : 'GRIDCTL_RUNTIME';
  let explicit: RuntimeKind | undefined;
  if (raw !== undefined && raw !== '') {
    if (raw !== 'docker' && raw !== 'podman') {
      throw new RuntimeNotFoundError(`${source} ${raw}: unknown container runtime; use docker or podman`);
    }
    explicit = raw;
  }
  const list: Candidate[] = [];
  const dockerHost = opts.env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) list.push({ socket: dockerHost.slice(7), source: 'DOCKER_HOST' });
  const ctx = dockerContextSocket(opts.env);
  if (ctx) list.push({ socket: ctx, source: 'docker context' });
  list.push({ socket: '/var/run/docker.sock', source: 'default', kind: 'docker' });
  list.push({ socket: '/run/podman/podman.sock', source: 'default', kind: 'podman' });
  const xdg = opts.env.XDG_RUNTIME_DIR || (process.getuid ? `/run/user/${process.getuid()}` : undefined);
  if (xdg) list.push({ socket: join(xdg, 'podman', 'podman.sock'), source: 'default', kind: 'podman' });
  const seen = new Set<string>();
  const unique = list.filter((c) => !seen.has(c.socket) && seen.add(c.socket));
  // An explicit choice skips the other engine's well-known sockets (DOCKER_HOST and the context
  // may point at either engine, so they stay; the engine's answer decides).
  return { explicit, list: explicit ? unique.filter((c) => !c.kind || c.kind === explicit) : unique };
}

/** The active Docker CLI context's unix socket, if one is configured. */
function dockerContextSocket(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { currentContext?: string };
    const name = env.DOCKER_CONTEXT || cfg.currentContext;
    if (!name || name === 'default') return undefined;
    const hash = createHash('sha256').update(name).digest('hex');
    const meta = JSON.parse(readFileSync(join(dir, 'contexts', 'meta', hash, 'meta.json'), 'utf8')) as {
      Endpoints?: { docker?: { Host?: string } };
    };
    const host = meta.Endpoints?.docker?.Host;
    return host?.startsWith('unix://') ? host.slice(7) : undefined;
  } catch {
    return undefined;
  }
}

/** GET a path on a unix socket: status and body, or an error after `timeoutMs`. */
export function socketGet(
  socketPath: string,
  path: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function probe(c: Candidate, timeoutMs: number): Promise<RuntimeInfo | string> {
  try {
    if (!statSync(c.socket).isSocket()) return 'not a socket';
  } catch {
    return 'does not exist';
  }
  try {
    const ping = await socketGet(c.socket, '/_ping', timeoutMs);
    if (ping.status !== 200) return `/_ping answered HTTP ${ping.status}`;
    // /version is slower than /_ping on Podman; the deadline that decides is the ping's.
    const ver = await socketGet(c.socket, '/version', Math.max(timeoutMs, 10_000));
    const v = JSON.parse(ver.body) as {
      Version?: string;
      Components?: { Name?: string; Version?: string }[];
    };
    const podman = v.Components?.find((x) => /podman/i.test(x.Name ?? ''));
    return {
      kind: podman ? 'podman' : 'docker',
      socket: c.socket,
      source: c.source,
      version: podman?.Version ?? v.Version ?? 'unknown',
    };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

/**
 * Finds a running engine. Resolves undefined when auto-detection finds none (the caller decides
 * whether the stack needs one); rejects with RuntimeNotFoundError when an explicit choice is not
 * available or is not a known engine.
 */
export async function detectRuntime(
  opts: DetectOptions,
): Promise<{ runtime?: WorkloadRuntime; attempts: Attempt[] }> {
  const { explicit, list } = candidates(opts);
  const attempts: Attempt[] = [];
  for (const c of list) {
    const found = await probe(c, opts.pingTimeoutMs ?? 2000);
    if (typeof found === 'string') {
      attempts.push({ ...c, problem: found });
      continue;
    }
    if (explicit && found.kind !== explicit) {
      attempts.push({ ...c, problem: `is ${found.kind}, not ${explicit}` });
      continue;
    }
    if (explicit) found.source = opts.flag !== undefined ? '--runtime' : 'GRIDCTL_RUNTIME';
    attempts.push(c);
    return { runtime: await DockerApiRuntime.create(found), attempts };
  }
  if (explicit) {
    const source = opts.flag !== undefined ? `--runtime ${explicit}` : `GRIDCTL_RUNTIME=${explicit}`;
    throw new RuntimeNotFoundError(notFoundMessage(`${source}: no ${explicit} engine answers`, attempts));
  }
  return { attempts };
}

/** Detection that must succeed: the error lists every socket tried and how to start an engine. */
export async function requireRuntime(opts: DetectOptions, why: string): Promise<WorkloadRuntime> {
  const { runtime, attempts } = await detectRuntime(opts);
  if (runtime) return runtime;
  throw new RuntimeNotFoundError(notFoundMessage(`${why}, but no container engine answers`, attempts));
}

export function notFoundMessage(headline: string, attempts: Attempt[]): string {
  const lines = attempts.map((a) => `  - ${a.socket} (${a.source}): ${a.problem ?? 'answered'}`);
  return `${headline}. Sockets tried:\n${lines.join('\n')}\n${START_HINT}`;
}
