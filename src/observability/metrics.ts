// The gateway's Prometheus metrics (prom-client), served at GET /metrics. Counters and histograms
// are fed from the diagnostics channels and the call records; gauges of state (servers, replicas,
// sessions, schema tokens) are read from the gateway when scraped. One registry per gateway, so
// two gateways in one process do not mix their figures.
//
// Label cardinality is bounded (docs/observability.md): `server` and `tool` come from the stack's
// catalogue (a call to an unknown tool is counted under tool ""), `method` from the MCP method list
// (others are `other`), `client` through a LabelBudget (the first N distinct ids, the rest `_other`),
// `outcome` from the error catalogue.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionStats } from '../gateway/downstream/session.js';
import type { ServerStatus } from '../gateway/types.js';
import type { CallRecord } from './calls.js';
import {
  type AutoscaleEvent,
  autoscaleChannel,
  type CallEvent,
  callChannel,
  type ReplicaPickEvent,
  type RequestEvent,
  replicaPickChannel,
  requestChannel,
  type UpstreamEvent,
  upstreamChannel,
} from './channels.js';
import { LabelBudget, OTHER } from './labels.js';

export interface MetricsSource {
  /** The gateway whose channel messages count. */
  source: object;
  status(): ServerStatus[];
  sessionStats(): SessionStats;
  /** Tokens of each server's tool definitions as tools/list sends them. */
  schemaTokens(): Promise<Map<string, number>>;
  /** Client ids always given their own label (the `clients:` profiles). */
  knownClients?: readonly string[];
  /** Distinct client labels at most (default 50). */
  clientLabels?: number;
}

const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
]);
const methodLabel = (m: string) => (MCP_METHODS.has(m) ? m : 'other');

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const DENIALS: Record<string, string> = {
  SCOPE_DENIED: 'scope',
  SCOPE_DENIED_ENTRY: 'scope',
  RATE_LIMITED: 'rate_limit',
  GROUP_NOT_MEMBER: 'group',
};

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly clients: LabelBudget;
  // A call to a server that is down names its tool from the client's text: bounded too.
  private readonly tools = new LabelBudget(2000);
  private readonly unsubscribe: (() => void)[] = [];
  private readonly calls: Counter<'server' | 'tool' | 'outcome'>;
  private readonly callSeconds: Histogram<'server' | 'tool'>;
  private readonly resultBytes: Counter<'server' | 'tool'>;
  private readonly tokens: Counter<'server' | 'tool' | 'direction'>;
  private readonly clientCalls: Counter<'client' | 'outcome'>;
  private readonly clientTokens: Counter<'client' | 'direction'>;
  private readonly denials: Counter<'kind' | 'client'>;

  constructor(src: MetricsSource) {
    const registers = [this.registry];
    this.clients = new LabelBudget(src.clientLabels ?? 50, ['anonymous', ...(src.knownClients ?? [])]);
    collectDefaultMetrics({ register: this.registry });

    this.calls = new Counter({
      name: 'gridctl_tool_calls_total',
      help: 'Tool calls through the gateway, by server, tool and outcome (ok, tool_error, rpc_error or a gridctl error code).',
      labelNames: ['server', 'tool', 'outcome'],
      registers,
    });
    this.callSeconds = new Histogram({
      name: 'gridctl_tool_call_duration_seconds',
      help: 'Tool call latency as the gateway sees it, from the request to the result, including every policy.',
      labelNames: ['server', 'tool'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.resultBytes = new Counter({
      name: 'gridctl_tool_result_bytes_total',
      help: 'JSON bytes of tool results sent to clients.',
      labelNames: ['server', 'tool'],
      registers,
    });
    this.tokens = new Counter({
      name: 'gridctl_tool_tokens_total',
      help: 'Tokens of tool arguments (direction=input) and results (direction=output), counted with gateway.tokenizer.',
      labelNames: ['server', 'tool', 'direction'],
      registers,
    });
    this.clientCalls = new Counter({
      name: 'gridctl_client_calls_total',
      help: 'Tool calls by client (access id; anonymous without one) and outcome.',
      labelNames: ['client', 'outcome'],
      registers,
    });
    this.clientTokens = new Counter({
      name: 'gridctl_client_tokens_total',
      help: 'Tokens of tool arguments and results by client.',
      labelNames: ['client', 'direction'],
      registers,
    });
    this.denials = new Counter({
      name: 'gridctl_denials_total',
      help: 'Calls refused by a policy: kind=scope (clients: profiles), rate_limit (limits.rate_limits) or group.',
      labelNames: ['kind', 'client'],
      registers,
    });
    const inFlight = new Gauge({
      name: 'gridctl_tool_calls_in_flight',
      help: 'Tool calls being handled now.',
      registers,
    });
    const requests = new Counter({
      name: 'gridctl_mcp_requests_total',
      help: 'MCP requests from clients, by method and whether they ended in a JSON-RPC error.',
      labelNames: ['method', 'error'],
      registers,
    });
    const requestSeconds = new Histogram({
      name: 'gridctl_mcp_request_duration_seconds',
      help: 'MCP request latency by method.',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const upstream = new Counter({
      name: 'gridctl_upstream_requests_total',
      help: 'Requests the gateway sent to servers, by server, method and whether they failed.',
      labelNames: ['server', 'method', 'error'],
      registers,
    });
    const upstreamSeconds = new Histogram({
      name: 'gridctl_upstream_request_duration_seconds',
      help: 'Latency of requests to servers (the server and the transport, without the gateway policies).',
      labelNames: ['server', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    // Replica picks and autoscale decisions carry no gateway (the servers publish them), so they
    // are tallied by server name here and only this gateway's servers are reported, at scrape time:
    // the hot path pays a map update, not a status() call.
    const pickTally = new Map<string, number>(); // `${server}\0${replica}`
    const scaleTally = new Map<string, number>(); // `${server}\0${direction}\0${reason}`
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    const ours = () => new Set(src.status().map((s) => s.name));
    new Counter({
      name: 'gridctl_replica_picks_total',
      help: 'Requests routed to each replica of a multi-replica server.',
      labelNames: ['server', 'replica'],
      registers,
      collect() {
        this.reset();
        const names = ours();
        for (const [k, n] of pickTally) {
          const [server, replica] = k.split('\0') as [string, string];
          if (names.has(server)) this.inc({ server, replica }, n);
        }
      },
    });
    new Counter({
      name: 'gridctl_autoscale_decisions_total',
      help: 'Autoscaler decisions by server, direction (up, down, noop, up-noop, down-noop) and reason.',
      labelNames: ['server', 'direction', 'reason'],
      registers,
      collect() {
        this.reset();
        const names = ours();
        for (const [k, n] of scaleTally) {
          const [server, direction, reason] = k.split('\0') as [string, string, string];
          if (names.has(server)) this.inc({ server, direction, reason }, n);
        }
      },
    });

    // State read at scrape time.
    const self = this;
    new Gauge({
      name: 'gridctl_server_up',
      help: '1 when the server has a healthy replica (can take calls), else 0.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const s of src.status()) this.set({ server: s.name }, s.state === 'healthy' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gridctl_server_state',
      help: 'The server state: 1 for the state it is in (one series per server and state).',
      labelNames: ['server', 'state'],
      registers,
      collect() {
        this.reset();
        for (const s of src.status()) this.set({ server: s.name, state: s.state }, 1);
      },
    });
    new Gauge({
      name: 'gridctl_server_replicas',
      help: 'Replicas of each server by state (starting, healthy, unhealthy, failed, draining).',
      labelNames: ['server', 'state'],
      registers,
      collect() {
        this.reset();
        for (const s of src.status()) {
          const by = new Map<string, number>();
          for (const r of s.replicas) by.set(r.state, (by.get(r.state) ?? 0) + 1);
          for (const [state, n] of by) this.set({ server: s.name, state }, n);
        }
      },
    });
    new Counter({
      name: 'gridctl_server_restarts_total',
      help: 'Restarts of each server (all replicas) since the gateway started.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const s of src.status()) this.inc({ server: s.name }, s.restarts);
      },
    });
    new Gauge({
      name: 'gridctl_tools',
      help: 'Tools each server contributes to tools/list.',
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const s of src.status()) this.set({ server: s.name }, s.tools);
      },
    });
    new Gauge({
      name: 'gridctl_tool_schema_tokens',
      help: "Tokens of each server's tool definitions in tools/list: the context a client pays before any call.",
      labelNames: ['server'],
      registers,
      async collect() {
        const by = await src.schemaTokens();
        this.reset();
        for (const [server, n] of by) this.set({ server }, n);
      },
    });
    new Gauge({
      name: 'gridctl_sessions',
      help: 'Open client sessions by client (access id; anonymous without one).',
      labelNames: ['client'],
      registers,
      collect() {
        this.reset();
        for (const [id, n] of Object.entries(src.sessionStats().byClient)) {
          this.inc({ client: self.client(id) }, n);
        }
      },
    });
    new Gauge({
      name: 'gridctl_sessions_live',
      help: 'Sessions with an open stream or a request in flight (never evicted).',
      registers,
      collect() {
        this.set(src.sessionStats().live);
      },
    });
    new Counter({
      name: 'gridctl_sessions_closed_total',
      help: 'Sessions the gateway closed: reason=evicted (idle, to make room under a cap) or expired (idle timeout).',
      labelNames: ['reason'],
      registers,
      collect() {
        const st = src.sessionStats();
        this.reset();
        this.inc({ reason: 'evicted' }, st.evicted);
        this.inc({ reason: 'expired' }, st.expired);
      },
    });
    new Counter({
      name: 'gridctl_sessions_refused_total',
      help: 'New sessions refused because every session under the cap was live.',
      registers,
      collect() {
        this.reset();
        this.inc(src.sessionStats().refused);
      },
    });

    // Events.
    const mine = (m: { source: object }) => m.source === src.source;
    const noop = () => {};
    const callHandlers = {
      start: (m: CallEvent) => {
        if (mine(m)) inFlight.inc();
      },
      asyncEnd: (m: CallEvent) => {
        if (mine(m)) inFlight.dec();
      },
      end: noop,
      asyncStart: noop,
      error: noop,
    };
    const requestHandlers = {
      start: noop,
      asyncEnd: (m: RequestEvent) => {
        if (!mine(m)) return;
        const t = m.startedAt;
        const method = methodLabel(m.f.method);
        requests.inc({ method, error: m.error === undefined ? 'false' : 'true' });
        requestSeconds.observe({ method }, (performance.now() - t) / 1000);
      },
      end: noop,
      asyncStart: noop,
      error: noop,
    };
    const upstreamHandlers = {
      start: noop,
      asyncEnd: (m: UpstreamEvent) => {
        if (!mine(m)) return;
        const t = m.startedAt;
        const method = methodLabel(m.method);
        upstream.inc({ server: m.server, method, error: m.error === undefined ? 'false' : 'true' });
        upstreamSeconds.observe({ server: m.server, method }, (performance.now() - t) / 1000);
      },
      end: noop,
      asyncStart: noop,
      error: noop,
    };
    const onPick = (m: unknown) => {
      const e = m as ReplicaPickEvent;
      bump(pickTally, `${e.server}\0${e.replica}`);
    };
    const onScale = (m: unknown) => {
      const e = m as AutoscaleEvent;
      bump(scaleTally, `${e.server}\0${e.direction}\0${e.reason}`);
    };
    callChannel.subscribe(callHandlers);
    requestChannel.subscribe(requestHandlers);
    upstreamChannel.subscribe(upstreamHandlers);
    replicaPickChannel.subscribe(onPick);
    autoscaleChannel.subscribe(onScale);
    this.unsubscribe.push(
      () => callChannel.unsubscribe(callHandlers),
      () => requestChannel.unsubscribe(requestHandlers),
      () => upstreamChannel.unsubscribe(upstreamHandlers),
      () => replicaPickChannel.unsubscribe(onPick),
      () => autoscaleChannel.unsubscribe(onScale),
    );
  }

  private client(id: string): string {
    return this.clients.of(id || 'anonymous');
  }

  /** A finished call (from recordCalls). */
  observe(r: CallRecord): void {
    const l = { server: r.server, tool: r.server ? this.tools.of(`${r.server}\0${r.tool}`) : '' };
    if (l.tool !== '') l.tool = l.tool === OTHER ? OTHER : r.tool;
    this.calls.inc({ ...l, outcome: r.outcome });
    this.callSeconds.observe(l, r.durationMs / 1000);
    this.resultBytes.inc(l, r.bytes);
    this.tokens.inc({ ...l, direction: 'input' }, r.inputTokens);
    this.tokens.inc({ ...l, direction: 'output' }, r.outputTokens);
    const client = this.client(r.client);
    this.clientCalls.inc({ client, outcome: r.outcome });
    this.clientTokens.inc({ client, direction: 'input' }, r.inputTokens);
    this.clientTokens.inc({ client, direction: 'output' }, r.outputTokens);
    const denial = DENIALS[r.outcome];
    if (denial) this.denials.inc({ kind: denial, client });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.registry.clear();
  }
}
