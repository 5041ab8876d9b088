// Where a `source:` server's image is built from: its local folder or a git checkout (with its
// credential from the store), and the Dockerfile in it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ExpandEvent, expandString } from '../config/expand.js';
import type { McpServer } from '../config/index.js';
import { withoutOwn } from '../upstream/env.js';

import { oneLine } from './container-readiness.js';
import { type UpOptions, WorkloadError } from './container-types.js';
import { storeResolver } from './secrets.js';

const run = promisify(execFile);

export function dockerfileIn(context: string, wanted: string): string {
  if (existsSync(join(context, wanted))) return wanted;
  for (const f of ['Dockerfile', 'dockerfile', 'Containerfile']) if (existsSync(join(context, f))) return f;
  return wanted;
}

/**
 * `source.auth.credential_ref` (e.g. `${var:GIT_TOKEN}`) stays literal through loading and is
 * resolved only here, at clone time: store first, then the environment.
 */
export async function resolveCredential(server: string, ref: string, o: UpOptions): Promise<string> {
  const events: ExpandEvent[] = [];
  const value = expandString(
    ref,
    { mode: 'apply', env: o.env, resolver: await storeResolver(o.home, o.env, ref) },
    events,
  );
  const missing = events.flatMap((e) => (e.kind === 'var-missing' ? [e.key] : []));
  if (missing.length > 0 || value === '') {
    const key = missing[0] ?? ref;
    throw new WorkloadError(
      `server "${server}": source.auth.credential_ref ${ref} has no value; set it with \`gridctl var set ${key}\``,
    );
  }
  return value;
}

/** The build context folder: a local path, or a git clone cached under <home>/cache/repos. */
export async function sourceFolder(s: McpServer, stackDir: string, o: UpOptions): Promise<string> {
  const src = s.source!;
  if (src.type === 'local') {
    const dir = resolve(stackDir, src.path ?? '.');
    if (!existsSync(dir)) throw new WorkloadError(`server "${s.name}": source folder ${dir} does not exist`);
    return dir;
  }
  const url = src.url!;
  const ref = src.ref ?? 'main';
  const dir = join(o.home, 'cache', 'repos', createHash('sha256').update(url).digest('hex').slice(0, 16));
  const env: NodeJS.ProcessEnv = { ...withoutOwn(o.env), GIT_TERMINAL_PROMPT: '0' };
  const cfg: string[] = [];
  const auth = src.auth;
  if (auth?.method === 'token' && auth.credential_ref) {
    const token = await resolveCredential(s.name, auth.credential_ref, o);
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    cfg.push('-c', `http.extraHeader=Authorization: Basic ${basic}`);
  }
  if (auth?.method === 'ssh-key' && auth.ssh_key_path) {
    const key = auth.ssh_key_path.replace(/^~/, process.env.HOME ?? '~');
    env.GIT_SSH_COMMAND = `ssh -i ${JSON.stringify(key)} -o IdentitiesOnly=yes -o BatchMode=yes`;
  }
  const git = async (...args: string[]) => {
    try {
      await run('git', [...cfg, ...args], { env, maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new WorkloadError(
        `server "${s.name}": git ${args[0] === '-C' ? args[2] : args[0]} of ${url} failed: ${oneLine(e.stderr || e.message)}`,
      );
    }
  };
  o.report.step(`Fetching ${url} (${ref})`);
  const fresh = !existsSync(join(dir, '.git'));
  if (fresh) {
    mkdirSync(dir, { recursive: true });
    await git('init', '-q', dir);
    await git('-C', dir, 'remote', 'add', 'origin', url);
  }
  try {
    await git('-C', dir, 'fetch', '-q', '--depth', '1', 'origin', ref);
    await git('-C', dir, 'checkout', '-q', '-f', 'FETCH_HEAD');
  } catch (err) {
    // A cached tree still builds when the remote is unreachable.
    if (fresh) throw err;
    o.report.note(`${(err as Error).message}; building the cached copy in ${dir}`);
  }
  o.report.done(`Fetched ${url} (${ref})`);
  return dir;
}
