// `gridctl pins`: tool-schema pins of a stack (docs/pins.md). With the stack running every verb
// goes through its daemon's API (the daemon holds the live definitions and withholds drifted tools);
// with it stopped, list / verify / diff read the pins file and approve / reset edit it.
import { apiGet, apiUrl, authHeaders, runningStates, soleRunning } from '../controller/targets.js';
import {
  type ApproveResult,
  approveRecorded,
  type DriftEntry,
  type PinsReport,
  pinnedStacks,
  pinsFile,
  readPins,
  type ServerPinReport,
  serverReport,
  updatePins,
} from '../security/pins/index.js';
import type { HomePaths } from '../state/paths.js';
import type { DaemonState } from '../state/state-file.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { ago, table } from './render.js';

interface Opts {
  home?: string;
  stack?: string;
  json?: boolean;
}

type Target = { kind: 'running'; state: DaemonState } | { kind: 'file'; stack: string; file: string };

class PinsCliError extends Error {}

/** The running stack (by name, or the only one), else a stack's pins file. */
function resolveTarget(paths: HomePaths, stack: string | undefined): Target {
  const running = runningStates(paths);
  if (stack) {
    const state = running.find((s) => s.stack_name === stack);
    if (state) return { kind: 'running', state };
    if (!pinnedStacks(paths.root).includes(stack))
      throw new PinsCliError(`stack '${stack}' is not running and has no pins in ${paths.root}`);
    return { kind: 'file', stack, file: pinsFile(paths.root, stack) };
  }
  if (running.length > 0) return { kind: 'running', state: soleRunning(paths) };
  const stored = pinnedStacks(paths.root);
  if (stored.length === 1) {
    const only = stored[0]!;
    return { kind: 'file', stack: only, file: pinsFile(paths.root, only) };
  }
  if (stored.length === 0)
    throw new PinsCliError('no stack is running and no pins are stored (pins are taken at `gridctl apply`)');
  throw new PinsCliError(
    `no stack is running; pins are stored for ${stored.join(', ')}: name one with --stack`,
  );
}

async function apiSend<T>(
  state: DaemonState,
  method: 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(apiUrl(state, path), {
    method,
    headers: { ...authHeaders(state), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const out = (await res.json().catch(() => ({}))) as T | { error?: { message?: string } };
  if (!res.ok) {
    const msg = (out as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`;
    throw new PinsCliError(msg);
  }
  return out as T;
}

async function loadReport(t: Target): Promise<PinsReport> {
  if (t.kind === 'running') return apiGet<PinsReport>(t.state, '/api/pins', 10_000);
  const data = await readPins(t.file, t.stack);
  return {
    stack: t.stack,
    file: t.file,
    enabled: true,
    running: false,
    servers: [...data.servers.keys()].sort().map((n) => serverReport(n, data.servers.get(n))),
  };
}

function pickServer(report: PinsReport, server: string): ServerPinReport {
  const r = report.servers.find((s) => s.server === server);
  if (!r) {
    const known = report.servers.map((s) => s.server);
    throw new PinsCliError(
      `no pins for server '${server}' in stack '${report.stack}'${known.length ? ` (servers: ${known.join(', ')})` : ''}`,
    );
  }
  return r;
}

function origin(report: PinsReport): string {
  return report.running
    ? `stack '${report.stack}' (running${report.action ? `, action: ${report.action}` : ''}${report.enabled ? '' : ', pinning disabled'})`
    : `stack '${report.stack}' (not running; from ${report.file})`;
}

function show(v: unknown): string[] {
  if (v === undefined) return ['(absent)'];
  if (typeof v === 'string') return JSON.stringify(v).split('\\n');
  return JSON.stringify(v, null, 2).split('\n');
}

/** Before/after of each changed field of each drifted tool. */
export function renderDiff(ctx: CliContext, r: ServerPinReport): string {
  const lines: string[] = [];
  const mark = {
    changed: ctx.paint('yellow', '~'),
    added: ctx.paint('green', '+'),
    removed: ctx.paint('red', '-'),
  };
  for (const d of r.drift as DriftEntry[]) {
    const held = r.withheld.includes(d.tool) ? ctx.paint('red', ' [withheld]') : '';
    lines.push(
      `${mark[d.change]} ${d.tool}: ${d.change}${d.change === 'changed' ? ` (${d.fields.join(', ')})` : ''}${held}`,
    );
    for (const f of d.fields) {
      lines.push(`    ${f}:`);
      if (d.change !== 'added')
        for (const l of show(d.before?.[f])) lines.push(`      ${ctx.paint('red', `- ${l}`)}`);
      if (d.change !== 'removed')
        for (const l of show(d.after?.[f])) lines.push(`      ${ctx.paint('green', `+ ${l}`)}`);
    }
    for (const x of d.findings ?? [])
      lines.push(
        `    ${ctx.paint('yellow', `${x.code} ${x.severity}`)}: ${x.reason} (at ${x.location})${x.excerpt ? `: ${JSON.stringify(x.excerpt)}` : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export const registerPins: CommandRegistrar = (program, ctx) => {
  const pins = program.command('pins').description('Tool-schema pins: list, verify, diff, approve, reset');
  const sub = (name: string) =>
    withHome(pins.command(name)).option('-s, --stack <name>', 'the stack (default: the only running one)');

  /** Errors print one line; `verify` exits 2 on them (1 means drift), the other verbs 1. */
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>, errorCode = 1) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (err) {
        fail(ctx, err instanceof Error ? err.message : String(err), errorCode);
      }
    };

  sub('list')
    .description('Each server: pin state, pinned tools, drift')
    .option('--json', 'machine-readable output')
    .action(
      run(async (opts: Opts) => {
        const report = await loadReport(resolveTarget(homeFor(ctx, opts), opts.stack));
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        ctx.stdout.write(`${origin(report)}\n`);
        if (report.servers.length === 0) {
          ctx.stdout.write('No pins yet.\n');
          return;
        }
        ctx.stdout.write(
          table(
            ['SERVER', 'STATE', 'TOOLS', 'FINDINGS', 'PINNED'],
            report.servers.map((s) => [
              s.server,
              s.status === 'blocked'
                ? ctx.paint('red', s.state)
                : s.status === 'drift'
                  ? ctx.paint('yellow', s.state)
                  : s.state,
              String(s.tool_count),
              String(s.tools.reduce((n, t) => n + t.findings.length, 0)),
              s.pinned_at ? ago(s.pinned_at) : '-',
            ]),
          ),
        );
        const drifting = report.servers.filter((s) => s.drift.length > 0);
        for (const s of drifting)
          ctx.stdout.write(`\n${s.server}: ${s.state}; see \`gridctl pins diff ${s.server}\`\n`);
      }),
    );

  sub('verify')
    .description('Exit 1 when any server (or SERVER) has drifted from its pins; 2 when they cannot be read')
    .argument('[server]', 'only this server')
    .option('--json', 'machine-readable output')
    .action(
      run(async (server: string | undefined, opts: Opts) => {
        const report = await loadReport(resolveTarget(homeFor(ctx, opts), opts.stack));
        const servers = server ? [pickServer(report, server)] : report.servers;
        const drifting = servers.filter((s) => s.drift.length > 0);
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify({ ok: drifting.length === 0, servers }, null, 2)}\n`);
        } else if (drifting.length === 0) {
          ctx.stdout.write(`${ctx.paint('green', '✓')} ${servers.length} server(s) match their pins\n`);
        } else {
          for (const s of drifting)
            ctx.stdout.write(
              `${ctx.paint('red', '✗')} ${s.server}: ${s.state}: ${s.drift.map((d) => `${d.tool} ${d.change}`).join(', ')}\n`,
            );
        }
        if (drifting.length > 0) ctx.exitCode = 1;
      }, 2),
    );

  sub('diff')
    .description("Before and after of every drifted tool's changed fields")
    .argument('<server>', 'server name')
    .option('--json', 'machine-readable output')
    .action(
      run(async (server: string, opts: Opts) => {
        const report = await loadReport(resolveTarget(homeFor(ctx, opts), opts.stack));
        const r = pickServer(report, server);
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        if (r.drift.length === 0) {
          ctx.stdout.write(`${server}: ${r.state}; no drift\n`);
          return;
        }
        ctx.stdout.write(`${server}: ${r.state} (${origin(report)})\n`);
        ctx.stdout.write(renderDiff(ctx, r));
        ctx.stdout.write(
          `\nApprove with \`gridctl pins approve ${server}\`${r.live_hash ? ` (or --expect ${r.live_hash} to approve exactly this)` : ''}\n`,
        );
      }),
    );

  sub('approve')
    .description('Accept the current tool definitions of SERVER (withheld tools are served again at once)')
    .argument('<server>', 'server name')
    .option('--expect <hash>', 'approve only if the live tools still hash to this (from `pins diff`)')
    .action(
      run(async (server: string, opts: Opts & { expect?: string }) => {
        const t = resolveTarget(homeFor(ctx, opts), opts.stack);
        if (t.kind === 'running') {
          const r = await apiSend<ApproveResult>(
            t.state,
            'POST',
            `/api/pins/${encodeURIComponent(server)}/approve`,
            opts.expect ? { expect: opts.expect } : {},
          );
          ctx.stdout.write(
            `${ctx.paint('green', '✓')} approved ${server}: ${r.approved.length ? r.approved.join(', ') : 'no changes'}; ${r.tool_count} tool(s) pinned\n`,
          );
          return;
        }
        if (opts.expect)
          throw new PinsCliError(
            '--expect needs the running stack (it binds approval to the live definitions)',
          );
        let approved: string[] = [];
        await updatePins(t.file, t.stack, (data) => {
          const rec = data.servers.get(server);
          if (!rec) throw new PinsCliError(`no pins for server '${server}' in stack '${t.stack}'`);
          if (rec.drift.length === 0)
            throw new PinsCliError(`server '${server}' has no recorded drift to approve`);
          approved = approveRecorded(rec, new Date().toISOString());
          rec.pinned_at = new Date().toISOString();
          return true;
        });
        ctx.stdout.write(
          `${ctx.paint('green', '✓')} approved the recorded drift of ${server} (${approved.join(', ')}) in ${t.file}; the stack is not running, so it applies at the next apply\n`,
        );
      }),
    );

  sub('reset')
    .description(
      "Forget SERVER's pins; its current tools are pinned afresh (now if running, else at the next apply)",
    )
    .argument('<server>', 'server name')
    .action(
      run(async (server: string, opts: Opts) => {
        const t = resolveTarget(homeFor(ctx, opts), opts.stack);
        if (t.kind === 'running') {
          const r = await apiSend<{ repinned: boolean }>(
            t.state,
            'DELETE',
            `/api/pins/${encodeURIComponent(server)}`,
          );
          ctx.stdout.write(
            `${ctx.paint('green', '✓')} reset the pins of ${server}${r.repinned ? '; its current tools are pinned afresh' : ''}\n`,
          );
          return;
        }
        await updatePins(t.file, t.stack, (data) => {
          if (!data.servers.delete(server))
            throw new PinsCliError(`no pins for server '${server}' in stack '${t.stack}'`);
          return true;
        });
        ctx.stdout.write(`${ctx.paint('green', '✓')} reset the pins of ${server} in ${t.file}\n`);
      }),
    );
};
