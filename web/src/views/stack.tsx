// Stack: clients → gateway → servers → tools, coloured by health; a side panel per server with its
// tools, recent log lines, a restart action, and Authorize for an OAuth server that needs a sign-in. Edges are drawn in an SVG overlay measured from the
// laid-out cards, so the cards stay plain, focusable HTML.
import { Fragment, type JSX } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ago, clock, stateTone } from '../format.js';
import { Icon } from '../icons.js';
import { navigate, setQuery, useLocation } from '../router.js';
import { note, useStore } from '../store.js';
import type { ServerRow, SessionRow, Tool } from '../types.js';

const TOOL_PREVIEW = 6;

interface Edge {
  from: string;
  to: string;
  tone: string;
}

function useEdges(container: { current: HTMLElement | null }, edges: Edge[], deps: unknown[]) {
  const [paths, setPaths] = useState<{ d: string; tone: string; key: string }[]>([]);
  const [size, setSize] = useState({ w: 0, h: 0 });
  useLayoutEffect(() => {
    const root = container.current;
    if (!root) return;
    const measure = () => {
      const box = root.getBoundingClientRect();
      setSize({ w: box.width, h: box.height });
      const at = (id: string) =>
        root.querySelector<HTMLElement>(`[data-node="${CSS.escape(id)}"]`)?.getBoundingClientRect();
      const out: { d: string; tone: string; key: string }[] = [];
      for (const e of edges) {
        const a = at(e.from);
        const b = at(e.to);
        if (!a || !b || a.width === 0 || b.width === 0) continue;
        // Only draw left-to-right edges (wide layout); the narrow layout stacks cards instead.
        if (b.left <= a.right) continue;
        const x1 = a.right - box.left;
        const y1 = a.top + a.height / 2 - box.top;
        const x2 = b.left - box.left;
        const y2 = b.top + b.height / 2 - box.top;
        const mx = (x1 + x2) / 2;
        out.push({
          d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
          tone: e.tone,
          key: `${e.from}>${e.to}`,
        });
      }
      setPaths(out);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(root);
    return () => ro.disconnect();
  }, deps);
  return { paths, size };
}

function StateBadge({ state }: { state: string }): JSX.Element {
  return (
    <span class={`badge tone-${stateTone(state)}`} data-testid="state">
      <span class="dot" aria-hidden="true" />
      {state}
    </span>
  );
}

function ServerPanel({
  server,
  tools,
  onClose,
}: {
  server: ServerRow;
  tools: Tool[];
  onClose: () => void;
}): JSX.Element {
  const logs = useStore((s) => s.logs);
  const [busy, setBusy] = useState(false);
  const recent = useMemo(() => logs.filter((l) => l.server === server.name).slice(-30), [logs, server.name]);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [server.name]);
  const restart = async () => {
    setBusy(true);
    try {
      await api(`/api/mcp-servers/${encodeURIComponent(server.name)}/restart`, { method: 'POST' });
      note(`Restarted ${server.name}`);
    } catch (e) {
      note(`Restart of ${server.name} failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  // An OAuth server waiting for a sign-in: the daemon starts one and the provider opens in a tab;
  // the server turns healthy when the browser has come back (the live status shows it).
  const authorize = async () => {
    setBusy(true);
    try {
      const { url } = await api<{ url: string }>(`/api/oauth/${encodeURIComponent(server.name)}/login`, {
        method: 'POST',
      });
      window.open(url, '_blank', 'noopener');
      note(`Sign in to ${server.name} in the new tab`);
    } catch (e) {
      note(`Sign-in to ${server.name} could not start: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <aside
      class="panel"
      aria-label={`Server ${server.name}`}
      ref={ref}
      tabIndex={-1}
      data-testid="server-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div class="panel-head">
        <h2>{server.name}</h2>
        <button type="button" class="icon-btn" onClick={onClose} aria-label="Close panel">
          <Icon name="close" />
        </button>
      </div>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StateBadge state={server.state} />
        </dd>
        {server.reason && (
          <>
            <dt>Reason</dt>
            <dd class="wrap">{server.reason}</dd>
          </>
        )}
        <dt>Kind</dt>
        <dd>{server.kind}</dd>
        <dt>Transport</dt>
        <dd>{server.transport}</dd>
        {server.era !== undefined && (
          <>
            <dt>Protocol era</dt>
            <dd data-testid="server-era">{eraText(server.era, server.protocolVersion)}</dd>
          </>
        )}
        {server.pid !== undefined && (
          <>
            <dt>PID</dt>
            <dd>{server.pid}</dd>
          </>
        )}
        <dt>Restarts</dt>
        <dd data-testid="restarts">{server.restarts}</dd>
      </dl>
      <div class="row">
        {server.state === 'needs auth' && (
          <button type="button" class="primary" onClick={authorize} disabled={busy} data-testid="authorize">
            Authorize
          </button>
        )}
        <button type="button" class="primary" onClick={restart} disabled={busy} data-testid="restart">
          <Icon name="restart" /> {busy ? 'Restarting…' : 'Restart'}
        </button>
        <button type="button" onClick={() => navigate(`/logs?server=${encodeURIComponent(server.name)}`)}>
          All logs
        </button>
      </div>
      {server.stderr && server.stderr.length > 0 && server.state !== 'healthy' && (
        <>
          <h3>Last stderr lines</h3>
          <pre class="mini-log stderr-tail" data-testid="panel-stderr">
            {server.stderr.join('\n')}
          </pre>
        </>
      )}
      <h3>Tools ({tools.length})</h3>
      {tools.length === 0 ? (
        <p class="muted">
          No tools exposed{server.state === 'healthy' ? '' : ' while the server is not healthy'}.
        </p>
      ) : (
        <ul class="tool-list">
          {tools.map((t) => (
            <li key={t.name}>
              <a
                href={`/tools?tool=${encodeURIComponent(t.name)}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/tools?tool=${encodeURIComponent(t.name)}`);
                }}
              >
                {t.originalName}
              </a>
              {t.description && <span class="muted"> — {t.description.split('\n')[0]}</span>}
            </li>
          ))}
        </ul>
      )}
      <h3>Recent log lines</h3>
      <div class="mini-log" data-testid="panel-logs">
        {recent.length === 0 && <p class="muted">Nothing logged yet.</p>}
        {recent.map((l, i) => (
          <div key={`${l.time}-${i}`} class={`log-line lvl-${l.level}`}>
            <span class="time">{clock(l.time)}</span> <span class="lvl">{l.level}</span> {l.msg}
          </div>
        ))}
      </div>
    </aside>
  );
}

export function StackView(): JSX.Element {
  const servers = useStore((s) => s.servers);
  const tools = useStore((s) => s.tools);
  const sessions = useStore((s) => s.sessions);
  const hello = useStore((s) => s.hello);
  const conn = useStore((s) => s.conn);
  const { query } = useLocation();
  const selected = query.get('server') ?? undefined;
  const graph = useRef<HTMLDivElement>(null);

  const byServer = useMemo(() => {
    const m = new Map<string, Tool[]>();
    for (const t of tools) m.set(t.server, [...(m.get(t.server) ?? []), t]);
    return m;
  }, [tools]);

  const clients = useMemo(() => {
    const m = new Map<string, { n: number; scope: string; eras: Set<string> }>();
    for (const s of sessions) {
      const name = s.client ?? 'unknown client';
      const seen = m.get(name);
      const eras = seen?.eras ?? new Set<string>();
      if (s.era) eras.add(eraText(s.era, s.protocolVersion));
      m.set(name, { n: (seen?.n ?? 0) + 1, scope: seen?.scope ?? scopeText(s), eras });
    }
    return [...m.entries()];
  }, [sessions]);

  const edges: Edge[] = [
    ...(clients.length
      ? clients.map(([c]) => ({ from: `client:${c}`, to: 'gateway', tone: 'ok' }))
      : [{ from: 'client:none', to: 'gateway', tone: 'idle' }]),
    ...servers.map((s) => ({ from: 'gateway', to: `server:${s.name}`, tone: stateTone(s.state) })),
    ...servers
      .filter((s) => (byServer.get(s.name)?.length ?? 0) > 0)
      .map((s) => ({ from: `server:${s.name}`, to: `tools:${s.name}`, tone: stateTone(s.state) })),
  ];
  const { paths, size } = useEdges(graph, edges, [servers, tools, sessions, selected]);

  const healthy = servers.filter((s) => s.state === 'healthy').length;
  const server = servers.find((s) => s.name === selected);

  if (hello?.stackless && servers.length === 0) {
    return (
      <section class="view">
        <div class="empty">
          <p>No stack is loaded in this gateway.</p>
          <button type="button" class="primary" onClick={() => navigate('/setup')}>
            Create or start a stack
          </button>
        </div>
      </section>
    );
  }

  return (
    <section class={`view stack-view ${server ? 'with-panel' : ''}`} aria-labelledby="stack-title">
      <div class="view-head">
        <h1 id="stack-title">Stack {hello && <span class="muted">{hello.stack}</span>}</h1>
        <p class="summary" data-testid="summary">
          {servers.length} servers ·{' '}
          <span class={healthy === servers.length ? 'ok' : 'warn'}>{healthy} healthy</span> · {tools.length}{' '}
          tools · {sessions.length} client{sessions.length === 1 ? '' : 's'}
          {hello && <> · up {ago(hello.started_at)}</>}
        </p>
      </div>
      <div class="stack-body">
        <div class="graph" ref={graph} data-testid="graph" aria-busy={conn === 'connecting'}>
          <svg class="edges" width={size.w} height={size.h} aria-hidden="true">
            {paths.map((p) => (
              <path key={p.key} d={p.d} class={`edge tone-${p.tone}`} />
            ))}
          </svg>
          <h2 class="col-title col-clients-title">Clients</h2>
          <h2 class="col-title col-gateway-title">Gateway</h2>
          <h2 class="col-title col-servers-title">Servers</h2>
          <h2 class="col-title col-tools-title">Tools</h2>
          <div class="col col-clients" style={{ gridRow: `2 / span ${Math.max(1, servers.length)}` }}>
            {clients.length === 0 ? (
              <div class="node node-client idle" data-node="client:none">
                <Icon name="client" />
                <div>
                  <strong>No client connected</strong>
                  <div class="muted small">point a client at {location.origin}/mcp</div>
                </div>
              </div>
            ) : (
              clients.map(([c, { n, scope, eras }]) => (
                <div key={c} class="node node-client" data-node={`client:${c}`}>
                  <Icon name="client" />
                  <div>
                    <strong>{c}</strong>
                    <div class="muted small">
                      {n} session{n === 1 ? '' : 's'}
                    </div>
                    {eras.size > 0 && (
                      <div class="muted small" data-testid="client-era">
                        {[...eras].sort().join(', ')}
                      </div>
                    )}
                    {scope && <div class="muted small client-scope">{scope}</div>}
                  </div>
                </div>
              ))
            )}
          </div>
          <div class="col col-gateway" style={{ gridRow: `2 / span ${Math.max(1, servers.length)}` }}>
            <div class="node node-gateway" data-node="gateway">
              <Icon name="gateway" size={20} />
              <div>
                <strong>{hello?.stack ?? 'gateway'}</strong>
                <div class="muted small">/mcp · {tools.length} tools</div>
              </div>
            </div>
          </div>
          {servers.map((s, i) => {
            const ts = byServer.get(s.name) ?? [];
            return (
              <Fragment key={s.name}>
                <button
                  type="button"
                  class={`node node-server tone-${stateTone(s.state)} ${selected === s.name ? 'selected' : ''}`}
                  data-node={`server:${s.name}`}
                  data-testid={`server-${s.name}`}
                  style={{ gridRow: i + 2 }}
                  aria-pressed={selected === s.name}
                  onClick={() => setQuery('server', selected === s.name ? undefined : s.name)}
                >
                  <div class="node-line">
                    <strong>{s.name}</strong>
                    <StateBadge state={s.state} />
                  </div>
                  <div class="muted small">
                    {s.kind} · {s.transport}
                    {s.era !== undefined && (
                      <span data-testid="server-node-era"> · {eraText(s.era, s.protocolVersion)}</span>
                    )}
                  </div>
                  <div class="small">
                    <span data-testid="tool-count">{s.tools}</span> tools · {s.restarts} restart
                    {s.restarts === 1 ? '' : 's'}
                  </div>
                  {s.reason && s.state !== 'healthy' && <div class="small reason">{s.reason}</div>}
                </button>
                <div class="tools-group" style={{ gridRow: i + 2 }} data-node={`tools:${s.name}`}>
                  {ts.slice(0, TOOL_PREVIEW).map((t) => (
                    <a
                      key={t.name}
                      class="chip"
                      href={`/tools?tool=${encodeURIComponent(t.name)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/tools?tool=${encodeURIComponent(t.name)}`);
                      }}
                    >
                      {t.originalName}
                    </a>
                  ))}
                  {ts.length > TOOL_PREVIEW && (
                    <a
                      class="chip more"
                      href={`/tools?server=${encodeURIComponent(s.name)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/tools?server=${encodeURIComponent(s.name)}`);
                      }}
                    >
                      +{ts.length - TOOL_PREVIEW} more
                    </a>
                  )}
                  {ts.length === 0 && <span class="muted small">no tools</span>}
                </div>
              </Fragment>
            );
          })}
        </div>
        {server && (
          <ServerPanel
            server={server}
            tools={byServer.get(server.name) ?? []}
            onClose={() => setQuery('server', undefined)}
          />
        )}
      </div>
    </section>
  );
}

/** "id ops · profile ops · servers a, b": what the session's client may reach (empty without a clients block). */
function scopeText(s: SessionRow): string {
  const sc = s.scope;
  if (!sc || (sc.access === 'all' && !sc.profile)) return '';
  const parts = [`id ${s.accessId || 'anonymous'}`];
  if (sc.profile) parts.push(`profile ${sc.profile}`);
  if (sc.access === 'none') parts.push('no access');
  if (sc.servers) parts.push(`servers ${sc.servers.join(', ')}`);
  if (sc.tools) parts.push(`tools ${sc.tools.join(', ')}`);
  return parts.join(' · ');
}

/** `handshake 2025-11-25` / `stateless 2026-07-28`: the era and the version it speaks. */
function eraText(era: 'handshake' | 'stateless', version: string | undefined): string {
  const name = era === 'stateless' ? 'stateless' : 'handshake';
  return version ? `${name} ${version}` : name;
}
