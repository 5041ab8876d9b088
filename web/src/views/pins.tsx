// Pins: every server's pinned tool definitions, drift with a before/after of the changed fields,
// scan findings, and approve (bound to the reviewed live hash, so a further change is not
// approved blindly). Refreshed whenever the gateway pushes a new tool list.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { note, useStore } from '../store.js';

interface Finding {
  code: string;
  severity: string;
  reason: string;
  location: string;
  excerpt?: string;
}
interface Drift {
  tool: string;
  change: string;
  fields: string[];
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  findings?: Finding[];
  detected_at: string;
}
interface ServerPins {
  server: string;
  status: 'pinned' | 'drift' | 'blocked' | 'disabled' | 'unpinned';
  state: string;
  live: boolean;
  pinned_at?: string;
  live_hash?: string;
  tool_count: number;
  tools: { name: string; hash: string; findings: Finding[] }[];
  drift: Drift[];
  withheld: string[];
}
interface Report {
  enabled: boolean;
  action?: 'warn' | 'block';
  file: string;
  servers: ServerPins[];
}

const TONE: Record<string, string> = {
  pinned: 'ok',
  drift: 'warn',
  blocked: 'bad',
  disabled: 'idle',
  unpinned: 'idle',
};

function Findings({ list }: { list: Finding[] }): JSX.Element | null {
  if (list.length === 0) return null;
  return (
    <ul class="issues">
      {list.map((f) => (
        <li key={`${f.code}-${f.location}`} class={`sev-${f.severity === 'critical' ? 'error' : 'warning'}`}>
          <strong>{f.code}</strong> {f.reason} <code>{f.location}</code>
          {f.excerpt && <div class="muted small">“{f.excerpt}”</div>}
        </li>
      ))}
    </ul>
  );
}

export default function PinsView(): JSX.Element {
  const tools = useStore((s) => s.tools);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();

  const load = async () => {
    try {
      setReport(await api<Report>('/api/pins'));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, [tools]);

  const approve = async (s: ServerPins) => {
    setBusy(s.server);
    try {
      const r = await api<{ approved: string[] }>(`/api/pins/${encodeURIComponent(s.server)}/approve`, {
        method: 'POST',
        json: s.live_hash ? { expect: s.live_hash } : {},
      });
      note(`Approved ${r.approved.length} change(s) on ${s.server}`);
      await load();
    } catch (e) {
      note(`Approve failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(undefined);
    }
  };

  if (error && !report)
    return (
      <section class="view">
        <div class="view-head">
          <h1>Pins</h1>
        </div>
        <div class="empty">{error}</div>
      </section>
    );
  if (!report) return <div class="empty">Loading…</div>;
  const attention = [...report.servers].sort(
    (a, b) => Number(b.drift.length > 0) - Number(a.drift.length > 0),
  );
  return (
    <section class="view pins-view" aria-labelledby="pins-title">
      <div class="view-head">
        <h1 id="pins-title">Pins</h1>
        <p class="summary">
          {report.enabled ? `on drift: ${report.action ?? 'warn'}` : 'pinning is disabled'} ·{' '}
          <code>{report.file}</code>
        </p>
      </div>
      {attention.map((s) => (
        <div class="card" key={s.server} data-testid={`pins-${s.server}`}>
          <div class="row between">
            <h2>
              {s.server}{' '}
              <span class={`badge tone-${TONE[s.status] ?? 'idle'}`} data-testid="pin-state">
                <span class="dot" aria-hidden="true" />
                {s.state}
              </span>
            </h2>
            {s.drift.length > 0 && (
              <button type="button" class="primary" disabled={busy === s.server} onClick={() => approve(s)}>
                Approve {s.drift.length} change{s.drift.length === 1 ? '' : 's'}
              </button>
            )}
          </div>
          <p class="muted small">
            {s.tool_count} tools pinned{s.pinned_at ? ` at ${new Date(s.pinned_at).toLocaleString()}` : ''}
            {s.withheld.length > 0 && (
              <span class="error"> · withheld from clients: {s.withheld.join(', ')}</span>
            )}
          </p>
          {s.drift.map((d) => (
            <details key={d.tool} open>
              <summary>
                <code>{d.tool}</code> {d.change}{' '}
                {d.fields.length > 0 && <span class="muted small">({d.fields.join(', ')})</span>}
              </summary>
              <div class="diff-grid">
                <div>
                  <div class="muted small">pinned</div>
                  <pre class="schema diff-before">{d.before ? JSON.stringify(d.before, null, 2) : '—'}</pre>
                </div>
                <div>
                  <div class="muted small">served now</div>
                  <pre class="schema diff-after">{d.after ? JSON.stringify(d.after, null, 2) : '—'}</pre>
                </div>
              </div>
              <Findings list={d.findings ?? []} />
            </details>
          ))}
          <Findings
            list={s.tools.flatMap((t) =>
              t.findings.map((f) => ({ ...f, location: `${t.name}: ${f.location}` })),
            )}
          />
        </div>
      ))}
      {report.servers.length === 0 && <div class="empty">No server has pinned tools yet.</div>}
    </section>
  );
}
