// `gridctl link [CLIENT]` / `gridctl unlink [CLIENT]`: the gateway's entry in LLM clients' config
// files. The work is in src/link; this file parses flags and prints outcomes.

import { runningStates } from '../controller/targets.js';
import { coded } from '../errors/coded.js';
import {
  CLIENT_SLUGS,
  type ClientEnv,
  clientEnv,
  DIALECTS,
  type Dialect,
  detected,
  dialectOf,
  resolveClient,
} from '../link/dialects.js';
import { lineDiff } from '../link/diff.js';
import { LinkError } from '../link/errors.js';
import { Ledger } from '../link/ledger.js';
import { type LinkOutcome, link, linkState, unlink } from '../link/linker.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { table } from './render.js';

interface LinkFlags {
  all?: boolean;
  dryRun?: boolean;
  name?: string;
  clientId?: string;
  group?: string;
  force?: boolean;
  port?: string;
  json?: boolean;
  home?: string;
}

export const registerLink: CommandRegistrar = (program, ctx) => {
  withHome(program.command('link'))
    .description("Write the gateway's entry into an LLM client's MCP config (no client: list them)")
    .argument('[client]', `one of: ${CLIENT_SLUGS.join(', ')}`)
    .option('-a, --all', 'every client detected on this machine')
    .option('--dry-run', 'show the change to each file without writing')
    .option('-n, --name <name>', 'entry name (default gridctl, or gridctl-<group>)')
    .option('--client-id <id>', 'add ?client=<id> to the URL (per-client scopes)')
    .option('--group <group>', 'link the group endpoint /groups/<group>/mcp')
    .option('--force', 'replace an entry gridctl did not write')
    .option('-p, --port <port>', 'gateway port (default: the running stack, else 8180)')
    .option('--json', 'machine-readable output')
    .action((client: string | undefined, flags: LinkFlags) => run(ctx, 'link', client, flags));
  withHome(program.command('unlink'))
    .description("Remove the gateway's entry from an LLM client's MCP config (only what gridctl wrote)")
    .argument('[client]', `one of: ${CLIENT_SLUGS.join(', ')}`)
    .option('-a, --all', 'every client gridctl linked')
    .option('--dry-run', 'show the change to each file without writing')
    .option('-n, --name <name>', 'entry name (default gridctl, or gridctl-<group>)')
    .option('--group <group>', 'the group entry (gridctl-<group>)')
    .option('--force', 'remove the entry even if gridctl did not write it or it was edited')
    .option('--json', 'machine-readable output')
    .action((client: string | undefined, flags: LinkFlags) => run(ctx, 'unlink', client, flags));
};

function run(ctx: CliContext, verb: 'link' | 'unlink', client: string | undefined, flags: LinkFlags): void {
  const paths = homeFor(ctx, flags);
  const ce = clientEnv(ctx.env, ctx.cwd);
  try {
    const ledger = Ledger.open(paths.root);
    if (!client && !flags.all) {
      listClients(ctx, ce, ledger, flags);
      return;
    }
    const chosen = client ? [resolveClient(client)] : chooseAll(verb, ce, ledger);
    if (chosen.length === 0) {
      ctx.stderr.write(
        verb === 'link' ? 'No client detected on this machine.\n' : 'gridctl has linked no client.\n',
      );
      return;
    }
    const at = verb === 'link' ? gatewayAt(ctx, paths, flags) : undefined;
    // `unlink --all` with no name: every entry gridctl recorded, group entries included.
    const everyRecord = verb === 'unlink' && flags.all && !flags.name && !flags.group;
    const outcomes = everyRecord
      ? ledger.all().flatMap((r) => {
          const d = dialectOf(r.client);
          return d ? [unlink(d, ce, ledger, { name: r.name, force: flags.force, dryRun: flags.dryRun })] : [];
        })
      : chosen.map((d) => {
          const opts = { name: flags.name, group: flags.group, force: flags.force, dryRun: flags.dryRun };
          return verb === 'link'
            ? link(d, ce, ledger, { ...opts, ...at!, clientId: flags.clientId })
            : unlink(d, ce, ledger, opts);
        });
    if (flags.json) {
      const out = outcomes.map(({ before: _b, after: _a, ...o }) => ({
        ...o,
        ...(flags.dryRun ? { diff: lineDiff(_b, _a) } : {}),
      }));
      ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      for (const o of outcomes) print(ctx, o, ce);
    }
    const conflicts = outcomes.filter((o) => o.action === 'conflict');
    for (const c of conflicts) fail(ctx, `${c.message} (LINK_CONFLICT)`);
  } catch (err) {
    if (err instanceof LinkError) fail(ctx, `${err.message} (${err.code})`);
    else fail(ctx, (err as Error).message);
  }
}

function chooseAll(verb: 'link' | 'unlink', ce: ClientEnv, ledger: Ledger): Dialect[] {
  if (verb === 'link') return DIALECTS.filter((d) => detected(d, ce));
  const linked = new Set(ledger.all().map((r) => r.client));
  return DIALECTS.filter((d) => linked.has(d.slug));
}

/** The port and host of the running stack (the only one), else 8180 on localhost. */
function gatewayAt(
  ctx: CliContext,
  paths: ReturnType<typeof homeFor>,
  flags: LinkFlags,
): { port: number; host: string } {
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw coded('CLI_USAGE', `--port ${flags.port}: use a whole number from 1 to 65535`);
    }
    return { port, host: 'localhost' };
  }
  const running = runningStates(paths);
  if (running.length === 1) {
    const s = running[0]!;
    if (s.auth) {
      // The daemon's own CLI credential is not for clients, and the stack's token is a secret.
      ctx.stderr.write(
        `${ctx.paint('yellow', 'Warning:')} stack '${s.stack_name}' requires gateway.auth: add its ${s.auth.type === 'bearer' ? 'Authorization: Bearer' : s.auth.header} header to the client's entry yourself (gridctl does not write the token into client files)\n`,
      );
    }
    const loopback = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(s.bind);
    return { port: s.port, host: loopback ? 'localhost' : s.bind.includes(':') ? `[${s.bind}]` : s.bind };
  }
  if (running.length > 1) {
    ctx.stderr.write(
      `Several stacks are running (${running.map((s) => `${s.stack_name} on ${s.port}`).join(', ')}); linking port 8180. Pass -p to choose.\n`,
    );
  }
  return { port: 8180, host: 'localhost' };
}

function print(ctx: CliContext, o: LinkOutcome, ce: ClientEnv): void {
  const who = ctx.paint('bold', o.clientName);
  const file = tilde(o.file, ce.home);
  const verb = o.dryRun ? 'would be ' : '';
  switch (o.action) {
    case 'linked':
    case 'updated':
    case 'replaced':
      ctx.stdout.write(`${who}: ${o.name} → ${o.url} ${verb}${o.action} in ${file}\n`);
      break;
    case 'already':
      ctx.stdout.write(`${who}: already linked (${o.name} → ${o.url} in ${file})\n`);
      break;
    case 'unlinked':
      ctx.stdout.write(`${who}: ${o.name} ${o.dryRun ? 'would be removed' : 'removed'} from ${file}\n`);
      break;
    case 'not-linked':
      ctx.stdout.write(`${who}: not linked (no entry ${o.name} in ${file})\n`);
      break;
    case 'conflict':
      return;
  }
  if (o.dryRun) ctx.stdout.write(indent(lineDiff(o.before, o.after)));
  if (o.backup) ctx.stdout.write(`  backup: ${tilde(o.backup, ce.home)}\n`);
  if (o.droppedComments) {
    ctx.stderr.write(`${ctx.paint('yellow', 'Warning:')} ${file}: its comments could not be kept\n`);
  }
  if (o.note && !o.dryRun && o.action !== 'unlinked' && o.action !== 'not-linked')
    ctx.stdout.write(`  note: ${o.note}\n`);
}

const indent = (s: string) => s.replace(/^/gm, '    ').replace(/ +$/, '');

function tilde(file: string, home: string): string {
  return home && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

function listClients(ctx: CliContext, ce: ClientEnv, ledger: Ledger, flags: LinkFlags): void {
  const rows = DIALECTS.map((d) => ({
    client: d.slug,
    name: d.name,
    detected: detected(d, ce),
    ...linkState(d, ce, ledger, flags.name ?? (flags.group ? `gridctl-${flags.group}` : 'gridctl')),
  }));
  if (flags.json) {
    ctx.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  ctx.stdout.write(
    table(
      ['CLIENT', 'NAME', 'DETECTED', 'LINKED', 'FILE'],
      rows.map((r) => [
        r.client,
        r.name,
        r.detected ? 'yes' : 'no',
        r.linked ? (r.owned ? 'yes' : 'yes (not by gridctl)') : 'no',
        tilde(r.file, ce.home),
      ]),
    ),
  );
  ctx.stdout.write('Link one with `gridctl link <client>`, every detected one with `gridctl link --all`.\n');
}
