// `gridctl status`: running gateways from the state files, and each one's servers from its API.
import type { ServerStatusRow, StatusBody } from '../api/types.js';
import { apiGet } from '../controller/targets.js';
import { listWorkloadContainers } from '../controller/workloads.js';
import type { UsageReport } from '../observability/observability.js';
import { listStates } from '../state/state-file.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { ago, stderrTails, table } from './render.js';

interface GatewayRow {
  name: string;
  port?: number;
  pid?: number;
  status: 'running' | 'stale' | 'unreadable';
  started_at?: string;
  stack_file?: string;
  error?: string;
  servers?: StatusBody['servers'];
  sessions?: SessionRow[];
  session_stats?: SessionStats;
  usage?: UsageReport;
}

interface SessionStats {
  total: number;
  live: number;
  evicted: number;
  expired: number;
  refused: number;
}

/** A live client session as /api/sessions lists it. */
interface SessionRow {
  id: string;
  client?: string;
  accessId: string;
  scope: { access: 'all' | 'none' | 'some'; profile?: string; servers?: string[]; tools?: string[] };
  group?: string;
  transport: string;
  era?: 'handshake' | 'stateless';
  protocolVersion?: string;
  lastSeen: string;
}

/** `handshake 2025-11-25` / `stateless 2026-07-28`: the era and the version it speaks. */
function eraText(era: string | undefined, version: string | undefined): string {
  if (!era) return '-';
  return version ? `${era} ${version}` : era;
}

export const registerStatus: CommandRegistrar = (program, ctx) => {
  withHome(program.command('status'))
    .description('Show running stacks and the state of their servers')
    .option('--json', 'machine-readable output')
    .option('-s, --stack <name>', 'only this stack')
    .option('--replicas', 'also show every replica of each server, and autoscaler decisions')
    .option(
      '--tokens',
      'also show calls and token totals per tool and per client, and what each tool schema costs',
    )
    // The tables are whitespace-separated rows already; the flag is the reference's, for scripts.
    .option('--plain', 'whitespace-separated rows (what the tables always are)')
    .action(
      async (opts: {
        json?: boolean;
        plain?: boolean;
        stack?: string;
        home?: string;
        replicas?: boolean;
        tokens?: boolean;
      }) => {
        if (opts.plain && opts.json) {
          fail(ctx, '--plain and --json contradict each other; pass one');
          return;
        }
        const paths = homeFor(ctx, opts);
        const gateways: GatewayRow[] = [];
        for (const { name, read } of listStates(paths)) {
          if (opts.stack && name !== opts.stack) continue;
          if (read.kind !== 'ok') {
            gateways.push({
              name,
              status: 'unreadable',
              error: read.kind === 'corrupt' ? read.reason : read.kind,
            });
            continue;
          }
          const s = read.state;
          const row: GatewayRow = {
            name,
            port: s.port,
            pid: s.pid,
            status: read.alive ? 'running' : 'stale',
            started_at: s.started_at,
            stack_file: s.stack_file,
          };
          if (read.alive) {
            try {
              row.servers = (await apiGet<StatusBody>(s, '/api/status')).servers;
              row.sessions = await apiGet<SessionRow[]>(s, '/api/sessions');
              row.session_stats = await apiGet<SessionStats>(s, '/api/sessions/stats');
              if (opts.tokens) row.usage = await apiGet<UsageReport>(s, '/api/usage');
            } catch (err) {
              row.error = `API not answering: ${(err as Error).message}`;
            }
          }
          gateways.push(row);
        }

        // Containers come from the engine (by label), when one answers.
        const containers = await listWorkloadContainers(ctx.env, opts.stack);
        if (opts.json) {
          ctx.stdout.write(
            `${JSON.stringify({ home: paths.root, gateways, containers: containers ?? [] }, null, 2)}\n`,
          );
          return;
        }
        if (containers && containers.length > 0) {
          ctx.stdout.write(
            `${table(
              ['CONTAINER ID', 'NAME', 'TYPE', 'IMAGE', 'STATE', 'STATUS'],
              containers.map((c) => [c.id, c.name, c.type, c.image, c.state, c.status]),
            )}\n`,
          );
        }
        if (gateways.length === 0) {
          ctx.stdout.write('No stacks running. Start one with `gridctl apply stack.yaml`.\n');
          return;
        }
        ctx.stdout.write(
          table(
            ['GATEWAY', 'PORT', 'PID', 'STATUS', 'STARTED'],
            gateways.map((g) => [
              g.name,
              String(g.port ?? '-'),
              String(g.pid ?? '-'),
              g.status === 'running' ? ctx.paint('green', g.status) : ctx.paint('yellow', g.status),
              g.started_at ? ago(g.started_at) : '-',
            ]),
          ),
        );
        for (const g of gateways) {
          if (g.status === 'stale') {
            ctx.stdout.write(
              `\n${g.name}: the daemon (PID ${g.pid}) is gone; \`gridctl apply\` starts it again, \`gridctl destroy ${g.name}\` cleans up.\n`,
            );
          }
          if (g.error) ctx.stdout.write(`\n${g.name}: ${g.error}\n`);
          if (!g.servers) continue;
          ctx.stdout.write(`\n${ctx.paint('bold', `${g.name}`)} servers\n`);
          ctx.stdout.write(
            table(
              // ERA comes last: scripts that read the columns before it keep working.
              ['NAME', 'KIND', 'TRANSPORT', 'STATE', 'REPLICAS', 'TOOLS', 'PINS', 'RESTARTS', 'PID', 'ERA'],
              g.servers.map((s) => [
                s.name,
                s.kind,
                s.transport,
                paintState(ctx.paint, s.reason ? `${s.state} (${truncate(s.reason, 60)})` : s.state),
                replicaCount(s),
                String(s.tools),
                paintPins(ctx.paint, s.pins ?? '-'),
                String(s.restarts),
                s.pid ? String(s.pid) : '-',
                eraText(s.era, s.protocolVersion),
              ]),
            ),
          );
          ctx.stdout.write(stderrTails(g.servers));
          if (opts.replicas) writeReplicas(ctx, g.name, g.servers);
          if (g.sessions && g.sessions.length > 0) writeSessions(ctx, g.name, g.sessions);
          const st = g.session_stats;
          if (st) {
            ctx.stdout.write(
              `\n${g.name}: ${st.total} session(s), ${st.live} live; since start ${st.evicted} evicted to make room, ${st.expired} expired idle, ${st.refused} refused\n`,
            );
          }
          if (g.usage) writeUsage(ctx, g.name, g.usage);
        }
      },
    );
};

/** Calls and tokens per tool and client, and the schema cost of the tools (`--tokens`). */
function writeUsage(ctx: CliContext, gateway: string, u: UsageReport): void {
  const n = (v: number) => v.toLocaleString('en-US');
  ctx.stdout.write(
    `\n${ctx.paint('bold', gateway)} usage since ${u.since} (${u.tokenizer} tokens): ${n(u.calls)} call(s), ${n(u.inputTokens)} in, ${n(u.outputTokens)} out\n`,
  );
  if (u.tools.length > 0) {
    ctx.stdout.write(
      table(
        ['SERVER', 'TOOL', 'CALLS', 'ERRORS', 'TOKENS IN', 'TOKENS OUT', 'MEAN MS', 'LAST CALL'],
        u.tools.map((t) => [
          t.server || '-',
          t.tool,
          n(t.calls),
          n(t.errors),
          n(t.inputTokens),
          n(t.outputTokens),
          (t.totalMs / t.calls).toFixed(1),
          ago(t.lastCall),
        ]),
      ),
    );
  }
  if (u.clients.length > 0) {
    ctx.stdout.write(
      `\n${table(
        ['CLIENT', 'CALLS', 'ERRORS', 'TOKENS IN', 'TOKENS OUT'],
        u.clients.map((c) => [c.client, n(c.calls), n(c.errors), n(c.inputTokens), n(c.outputTokens)]),
      )}`,
    );
  }
  const schemaTotal = u.schemas.reduce((a, t) => a + t.tokens, 0);
  ctx.stdout.write(
    `\n${gateway}: tools/list costs ${n(schemaTotal)} tokens for ${u.schemas.length} tool(s); costliest: ${
      u.schemas
        .slice(0, 3)
        .map((t) => `${t.server}/${t.tool} ${n(t.tokens)}`)
        .join(', ') || '-'
    }\n`,
  );
}

/** Each connected client with the id its scope and limits key on, and what that scope allows. */
function writeSessions(ctx: CliContext, gateway: string, sessions: SessionRow[]): void {
  const scopeText = (s: SessionRow['scope']) =>
    s.access !== 'some'
      ? s.access
      : [s.servers && `servers ${s.servers.join(',')}`, s.tools && `tools ${s.tools.join(',')}`]
          .filter(Boolean)
          .join('; ');
  ctx.stdout.write(`\n${ctx.paint('bold', gateway)} sessions\n`);
  ctx.stdout.write(
    table(
      ['SESSION', 'CLIENT', 'CLIENT ID', 'PROFILE', 'SCOPE', 'GROUP', 'TRANSPORT', 'ERA', 'LAST SEEN'],
      sessions.map((s) => [
        // Stateless clients' ids all start `stateless-`: show the part that tells them apart.
        s.id.startsWith('stateless-') ? s.id.slice(10, 18) : s.id.slice(0, 8),
        s.client ?? '-',
        s.accessId || '(anonymous)',
        s.scope.profile ?? '-',
        truncate(scopeText(s.scope), 50),
        s.group ?? '-',
        s.transport,
        eraText(s.era, s.protocolVersion),
        ago(s.lastSeen),
      ]),
    ),
  );
}

/** `healthy/total` (draining and stopped replicas are not counted). */
function replicaCount(s: ServerStatusRow): string {
  const live = (s.replicas ?? []).filter((r) => r.state !== 'draining' && r.state !== 'stopped');
  if (live.length === 0) return s.autoscale ? '0/0' : '-';
  return `${live.filter((r) => r.state === 'healthy').length}/${live.length}`;
}

function writeReplicas(ctx: CliContext, gateway: string, servers: ServerStatusRow[]): void {
  const now = Date.now();
  const rows = servers.flatMap((s) =>
    (s.replicas ?? []).map((r) => [
      s.name,
      String(r.id),
      paintState(ctx.paint, r.state),
      r.pid ? String(r.pid) : (r.container ?? '-'),
      String(r.inFlight),
      String(r.restarts),
      r.nextRetryAt ? `in ${Math.max(0, Math.round((Date.parse(r.nextRetryAt) - now) / 100) / 10)}s` : '-',
      r.reason ? truncate(r.reason, 50) : '',
    ]),
  );
  ctx.stdout.write(`\n${ctx.paint('bold', gateway)} replicas\n`);
  ctx.stdout.write(
    table(['SERVER', 'ID', 'STATE', 'PID/CONTAINER', 'IN-FLIGHT', 'RESTARTS', 'NEXT RETRY', 'REASON'], rows),
  );
  for (const s of servers) {
    const a = s.autoscale;
    if (!a) continue;
    const last = a.lastDecision;
    const decision = last
      ? `; last decision ${last.direction} (${last.reason}) ${ago(last.at)}${last.detail ? `: ${last.detail}` : ''}`
      : '';
    ctx.stdout.write(
      `${s.name} autoscale: ${a.current} healthy, target ${a.target} (min ${a.min}, max ${a.max}, warm pool ${a.warmPool}, target in flight ${a.targetInFlight}), median in flight ${a.medianInFlight}${decision}\n`,
    );
  }
}

function paintState(paint: (style: 'green' | 'yellow' | 'red', t: string) => string, text: string): string {
  if (text.startsWith('healthy')) return paint('green', text);
  if (text.startsWith('failed') || text.startsWith('unhealthy')) return paint('red', text);
  return paint('yellow', text);
}

function paintPins(paint: (style: 'green' | 'yellow' | 'red', t: string) => string, text: string): string {
  if (text.startsWith('blocked')) return paint('red', text);
  if (text.startsWith('drift')) return paint('yellow', text);
  return text;
}

function truncate(s: string, n: number): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
