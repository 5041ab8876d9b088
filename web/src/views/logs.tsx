// Logs: the gateway's log stream, live; filter by server and level, search, pause.
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { clock, extras } from '../format.js';
import { Icon } from '../icons.js';
import { setQuery, useLocation } from '../router.js';
import { useStore } from '../store.js';
import type { LogEntry } from '../types.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const RANK: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SHOWN = 1500;

export default function LogsView(): JSX.Element {
  const logs = useStore((s) => s.logs);
  const servers = useStore((s) => s.servers);
  const { query } = useLocation();
  const server = query.get('server') ?? '';
  const level = query.get('level') ?? 'debug';
  const [search, setSearch] = useState(query.get('q') ?? '');
  const [paused, setPaused] = useState<LogEntry[] | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const source = paused ?? logs;
  const newer = paused ? logs.length - paused.length : 0;
  const rows = useMemo(() => {
    const q = search.trim().toLowerCase();
    const min = RANK[level] ?? 0;
    return source
      .filter(
        (l) =>
          (RANK[l.level] ?? 0) >= min &&
          (server === '' || (server === '-' ? !l.server : l.server === server)) &&
          (q === '' || `${l.msg} ${l.server ?? ''} ${extras(l)}`.toLowerCase().includes(q)),
      )
      .slice(-SHOWN);
  }, [source, server, level, search]);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [rows]);
  useEffect(() => {
    const t = setTimeout(() => setQuery('q', search || undefined), 300);
    return () => clearTimeout(t);
  }, [search]);

  return (
    <section class="view logs-view" aria-labelledby="logs-title">
      <div class="view-head">
        <h1 id="logs-title">Logs</h1>
        <div class="toolbar" role="toolbar" aria-label="Log filters">
          <label class="field inline">
            <span>Server</span>
            <select
              value={server}
              onChange={(e) => setQuery('server', (e.target as HTMLSelectElement).value || undefined)}
              data-testid="log-server"
            >
              <option value="">all</option>
              <option value="-">gateway only</option>
              {servers.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label class="field inline">
            <span>Level</span>
            <select
              value={level}
              onChange={(e) =>
                setQuery(
                  'level',
                  (e.target as HTMLSelectElement).value === 'debug'
                    ? undefined
                    : (e.target as HTMLSelectElement).value,
                )
              }
              data-testid="log-level"
            >
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {l}+
                </option>
              ))}
            </select>
          </label>
          <label class="field inline grow">
            <Icon name="search" label="Search" />
            <input
              type="search"
              placeholder="search messages"
              value={search}
              onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
              data-testid="log-search"
            />
          </label>
          <button
            type="button"
            onClick={() => setPaused(paused ? null : logs)}
            aria-pressed={paused !== null}
            data-testid="log-pause"
          >
            <Icon name={paused ? 'play' : 'pause'} />{' '}
            {paused ? `Resume${newer > 0 ? ` (${newer} new)` : ''}` : 'Pause'}
          </button>
        </div>
      </div>
      <div
        class="log-box"
        ref={box}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard
        tabIndex={0}
        role="log"
        aria-label="Log lines"
        data-testid="log-box"
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {rows.length === 0 && <p class="muted pad">No log lines match.</p>}
        {rows.map((l, i) => (
          <div key={`${l.time}-${i}`} class={`log-line lvl-${l.level}`}>
            <span class="time">{clock(l.time)}</span> <span class="lvl">{l.level.toUpperCase()}</span>{' '}
            {l.server && <span class="srv">[{l.server}]</span>} <span class="msg">{l.msg}</span>{' '}
            <span class="muted">{extras(l)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
