// `gridctl doctor`: checks what gridctl needs on this machine and says how to fix each problem.
// Exit 0 when all is well, 1 when something needs attention, 2 when gridctl cannot work as it is.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { runningStates } from '../controller/targets.js';
import { clientEnv, dialectOf } from '../link/dialects.js';
import { entriesOf, parseDoc } from '../link/formats.js';
import { entryHash, Ledger } from '../link/ledger.js';
import { detectRuntime } from '../runtime/index.js';
import { isVaultError, openVault, PASSPHRASE_ENV } from '../security/vault/index.js';
import type { HomePaths } from '../state/paths.js';
import { listStates } from '../state/state-file.js';
import { VERSION } from '../version.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { homeFor, withHome } from './options.js';

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export const registerDoctor: CommandRegistrar = (program, ctx) => {
  withHome(program.command('doctor'))
    .description(
      'Check Node.js, the home folder, the gateway port, the variable store, engines and linked clients',
    )
    .option('--json', 'machine-readable output')
    .option('-q, --quiet', 'print only the problems')
    .action(async (opts: { json?: boolean; quiet?: boolean; home?: string }) => {
      const checks = await runChecks(ctx, homeFor(ctx, opts));
      ctx.exitCode = checks.some((c) => c.status === 'fail')
        ? 2
        : checks.some((c) => c.status === 'warn')
          ? 1
          : 0;
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify({ version: VERSION, checks }, null, 2)}\n`);
        return;
      }
      const mark: Record<CheckStatus, string> = {
        ok: ctx.paint('green', '✓'),
        info: ctx.paint('gray', '·'),
        warn: ctx.paint('yellow', '!'),
        fail: ctx.paint('red', '✗'),
      };
      for (const c of checks) {
        if (opts.quiet && (c.status === 'ok' || c.status === 'info')) continue;
        ctx.stdout.write(`${mark[c.status]} ${c.name}: ${c.detail}\n`);
        if (c.fix) ctx.stdout.write(`    fix: ${c.fix}\n`);
      }
    });
};

export async function runChecks(ctx: CliContext, paths: HomePaths): Promise<Check[]> {
  return [
    nodeCheck(),
    homeCheck(paths),
    ...referenceHomeCheck(ctx.env),
    ...stateChecks(paths),
    await portCheck(paths, 8180),
    await vaultCheck(paths, ctx.env),
    npxCheck(ctx.env),
    await engineCheck(ctx.env),
    ...linkChecks(ctx, paths),
  ];
}

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', status: 'ok', detail: `${process.versions.node} (20 or newer needed)` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `${process.versions.node} is too old`,
        fix: 'install Node.js 20 or newer (https://nodejs.org)',
      };
}

function homeCheck(paths: HomePaths): Check {
  try {
    // A home that does not exist yet is fine when it can be created: its nearest folder is writable.
    let at = paths.root;
    while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
    accessSync(at, constants.W_OK);
    const detail = at === paths.root ? `${paths.root} (writable)` : `${paths.root} (created on first use)`;
    return { name: 'home', status: 'ok', detail };
  } catch (err) {
    return {
      name: 'home',
      status: 'fail',
      detail: `${paths.root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      fix: 'make it writable, or point GRIDCTL_HOME (or --home) at a folder you own',
    };
  }
}

/**
 * The reference design keeps its files in $GRIDCTL_HOME/.gridctl, gridctl in $GRIDCTL_HOME itself:
 * one variable serves both without their files meeting. Said once, so nobody looks in the wrong one.
 */
function referenceHomeCheck(env: NodeJS.ProcessEnv): Check[] {
  const root = env.GRIDCTL_HOME;
  if (!root || !existsSync(join(root, '.gridctl'))) return [];
  return [
    {
      name: 'reference home',
      status: 'info',
      detail: `${join(root, '.gridctl')} is the reference gridctl's home under the same GRIDCTL_HOME; this gridctl uses ${root} itself, so the two do not share state, logs or variables${
        existsSync(join(root, '.gridctl', 'vault', 'secrets.json')) ||
        existsSync(join(root, '.gridctl', 'vault', 'secrets.enc'))
          ? '; copy its variables with `gridctl var import --from-reference`'
          : ''
      }`,
    },
  ];
}

function stateChecks(paths: HomePaths): Check[] {
  return listStates(paths).flatMap(({ name, read }): Check[] => {
    if (read.kind === 'ok' && read.alive) {
      return [
        {
          name: `stack ${name}`,
          status: 'ok',
          detail: `running on port ${read.state.port} (PID ${read.state.pid})`,
        },
      ];
    }
    if (read.kind === 'ok') {
      return [
        {
          name: `stack ${name}`,
          status: 'warn',
          detail: `its daemon (PID ${read.state.pid}) is gone but its state file is left`,
          fix: `gridctl destroy ${name}`,
        },
      ];
    }
    if (read.kind === 'corrupt' || read.kind === 'newer') {
      return [
        {
          name: `stack ${name}`,
          status: 'warn',
          detail:
            read.kind === 'corrupt'
              ? `${read.file}: ${read.reason}`
              : `${read.file} was written by a newer gridctl`,
          fix: `remove ${read.file} if no gridctl runs that stack`,
        },
      ];
    }
    return [];
  });
}

async function portCheck(paths: HomePaths, port: number): Promise<Check> {
  const owner = runningStates(paths).find((s) => s.port === port);
  if (owner) return { name: `port ${port}`, status: 'ok', detail: `used by stack ${owner.stack_name}` };
  // A connect probe, not a bind: doctor must never hold the port an apply is about to take.
  const free = await new Promise<boolean>((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
  return free
    ? { name: `port ${port}`, status: 'ok', detail: 'free for the gateway' }
    : {
        name: `port ${port}`,
        status: 'warn',
        detail: 'in use by another program',
        fix: 'stop that program, or apply with another port: gridctl apply stack.yaml -p 8181',
      };
}

async function vaultCheck(paths: HomePaths, env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const vault = await openVault({ root: paths.root, env });
    if (!vault.exists)
      return { name: 'variable store', status: 'info', detail: 'empty (nothing stored yet)' };
    const n = vault.keys().length + vault.sets().length;
    return {
      name: 'variable store',
      status: 'ok',
      detail: `${vault.locked ? `locked, opened with ${PASSPHRASE_ENV}` : 'not locked'} (${n} key(s) or set(s))`,
    };
  } catch (err) {
    if (isVaultError(err, 'VAULT_LOCKED')) {
      return {
        name: 'variable store',
        status: 'warn',
        detail: `locked, and ${PASSPHRASE_ENV} is not set: apply cannot read stored variables`,
        fix: `export ${PASSPHRASE_ENV}=... (or run gridctl var commands in a terminal to be asked)`,
      };
    }
    return {
      name: 'variable store',
      status: 'fail',
      detail: (err as Error).message,
      fix: 'restore the store from a backup, or move <home>/vault away to start afresh',
    };
  }
}

function npxCheck(env: NodeJS.ProcessEnv): Check {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const found = dirs.find((d) => existsSync(join(d, process.platform === 'win32' ? 'npx.cmd' : 'npx')));
  return found
    ? { name: 'npx', status: 'ok', detail: `${join(found, 'npx')} (runs npm-packaged servers)` }
    : {
        name: 'npx',
        status: 'warn',
        detail: 'not on PATH: servers started with `npx` will fail',
        fix: 'install npm (it ships with Node.js) and put it on PATH',
      };
}

async function engineCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const { runtime } = await detectRuntime({ env, pingTimeoutMs: 1000 });
    if (!runtime) {
      return {
        name: 'container engine',
        status: 'info',
        detail: 'none answers; only container servers (image, source) need one',
        fix: 'install Docker or Podman if your stack runs containers',
      };
    }
    const { kind, version, socket } = runtime.info;
    return { name: 'container engine', status: 'ok', detail: `${kind} ${version} at ${socket}` };
  } catch (err) {
    return { name: 'container engine', status: 'warn', detail: (err as Error).message.split('\n')[0] ?? '' };
  }
}

/** Each entry gridctl linked: still there and unchanged? */
function linkChecks(ctx: CliContext, paths: HomePaths): Check[] {
  let ledger: Ledger;
  try {
    ledger = Ledger.open(paths.root);
  } catch (err) {
    return [{ name: 'links', status: 'warn', detail: (err as Error).message }];
  }
  const ce = clientEnv(ctx.env, ctx.cwd);
  if (ledger.all().length === 0) {
    return [
      {
        name: 'links',
        status: 'info',
        detail: 'no client linked',
        fix: 'gridctl link <client> (gridctl link lists them)',
      },
    ];
  }
  return ledger.all().map((r): Check => {
    const d = dialectOf(r.client);
    const name = `link ${r.client}`;
    const target = d?.targets(ce).find((t) => t.file === r.file);
    if (!d || !target)
      return {
        name,
        status: 'warn',
        detail: `${r.file}: not a file gridctl knows now`,
        fix: `gridctl unlink ${r.client} --force`,
      };
    try {
      const current = entriesOf(
        parseDoc(readFileSync(r.file, 'utf8'), target.format),
        target.key,
        target.container,
      ).get(r.name);
      if (current === undefined) {
        return {
          name,
          status: 'warn',
          detail: `the entry ${r.name} is gone from ${r.file}`,
          fix: `gridctl link ${r.client}`,
        };
      }
      if (entryHash(current) !== r.hash) {
        return {
          name,
          status: 'warn',
          detail: `${r.file}: the entry ${r.name} was edited by hand`,
          fix: `gridctl link ${r.client} --force to restore it, or keep the edit`,
        };
      }
      return { name, status: 'ok', detail: `${r.name} → ${r.url} in ${r.file}` };
    } catch (err) {
      return {
        name,
        status: 'warn',
        detail: `${r.file}: ${(err as Error).message}`,
        fix: `gridctl link ${r.client}`,
      };
    }
  });
}
