// The shell: header with navigation, connection state and theme; the current view; token prompt;
// notes. Views other than Stack are loaded on demand.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized, scheme, setToken } from './api.js';
import { Icon } from './icons.js';
import { lazyView } from './lazy.js';
import { navigate, useLocation } from './router.js';
import { setState, useStore } from './store.js';
import { StackView } from './views/stack.js';

const ToolsView = lazyView(() => import('./views/tools.js'));
const LogsView = lazyView(() => import('./views/logs.js'));
const SpecView = lazyView(() => import('./views/spec.js'));
const SetupView = lazyView(() => import('./views/setup.js'));
const PinsView = lazyView(() => import('./views/pins.js'));
const VariablesView = lazyView(() => import('./views/variables.js'));
const MetricsView = lazyView(() => import('./views/metrics.js'));
const TracesView = lazyView(() => import('./views/traces.js'));
const LibraryView = lazyView(() => import('./views/library.js'));
const ConnectionsView = lazyView(() => import('./views/connections.js'));

const NAV = [
  { path: '/stack', label: 'Stack', icon: 'stack' },
  { path: '/tools', label: 'Tools', icon: 'tools' },
  { path: '/logs', label: 'Logs', icon: 'logs' },
  { path: '/usage', label: 'Metrics', icon: 'chart' },
  { path: '/traces', label: 'Traces', icon: 'traces' },
  { path: '/spec', label: 'Spec', icon: 'spec' },
  { path: '/variables', label: 'Variables', icon: 'vars' },
  { path: '/pins', label: 'Pins', icon: 'pins' },
  { path: '/library', label: 'Library', icon: 'library' },
  { path: '/connections', label: 'Connections', icon: 'client' },
] as const;

type Theme = 'light' | 'dark' | 'system';

function applyTheme(t: Theme): void {
  const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(
    () => (localStorage.getItem('gridctl-theme') as Theme | null) ?? 'system',
  );
  useEffect(() => {
    applyTheme(theme);
    if (theme === 'system') localStorage.removeItem('gridctl-theme');
    else localStorage.setItem('gridctl-theme', theme);
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const fn = () => applyTheme(theme);
    mq.addEventListener('change', fn);
    return () => mq.removeEventListener('change', fn);
  }, [theme]);
  const toggle = () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    setTheme(dark ? 'light' : 'dark');
  };
  return [theme, toggle];
}

function ConnPill(): JSX.Element {
  const conn = useStore((s) => s.conn);
  const hello = useStore((s) => s.hello);
  const text = {
    connecting: 'connecting…',
    live: 'live',
    reconnecting: 'reconnecting…',
    auth: 'token needed',
  }[conn];
  return (
    <span
      class={`pill conn-${conn}`}
      role="status"
      aria-live="polite"
      data-testid="conn"
      title={hello ? `gridctl ${hello.version}, pid ${hello.pid}` : ''}
    >
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function TokenDialog(): JSX.Element | null {
  const conn = useStore((s) => s.conn);
  const [asked, setAsked] = useState(false);
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => onUnauthorized(() => setAsked(true)), []);
  const open = conn === 'auth' || asked;
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);
  if (!open) return null;
  const submit = (e: Event) => {
    e.preventDefault();
    if (!value.trim()) return;
    setToken(value.trim());
    setValue('');
    setAsked(false);
    setState({ conn: 'connecting' });
  };
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="token-title">
        <form onSubmit={submit}>
          <h2 id="token-title">
            <Icon name="key" /> This gateway needs a token
          </h2>
          <p class="muted">
            The stack sets <code>gateway.auth</code> (
            {scheme.type === 'api_key' ? `header ${scheme.header}` : 'bearer'}). The token is kept for this
            browser tab only and sent with every API and MCP request.
          </p>
          <label class="field">
            <span>Token</span>
            <input
              ref={input}
              type="password"
              autocomplete="off"
              value={value}
              onInput={(e) => setValue((e.target as HTMLInputElement).value)}
              data-testid="token-input"
            />
          </label>
          <div class="row end">
            <button type="submit" class="primary" data-testid="token-submit">
              Connect
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

function Notes(): JSX.Element {
  const notes = useStore((s) => s.notes);
  return (
    <div class="notes" aria-live="polite">
      {notes.map((n) => (
        <div key={n.id} class={`note note-${n.tone}`}>
          {n.text}
        </div>
      ))}
    </div>
  );
}

export function App(): JSX.Element {
  const { path } = useLocation();
  const [, toggleTheme] = useTheme();
  const hello = useStore((s) => s.hello);
  const stackless = hello?.stackless === true;
  const conn = useStore((s) => s.conn);

  useEffect(() => {
    // Wait for the gateway's hello: a stackless gateway lands on the wizard.
    if ((path === '/' || path === '/index.html') && hello) navigate(stackless ? '/setup' : '/stack', true);
  }, [path, hello, stackless]);

  const section = `/${path.split('/')[1] ?? ''}`;
  let view: JSX.Element;
  switch (section) {
    case '/tools':
      view = <ToolsView />;
      break;
    case '/logs':
      view = <LogsView />;
      break;
    case '/spec':
      view = <SpecView />;
      break;
    case '/setup':
      view = <SetupView />;
      break;
    case '/variables':
      view = <VariablesView />;
      break;
    case '/pins':
      view = <PinsView />;
      break;
    case '/usage':
      view = <MetricsView />;
      break;
    case '/traces':
      view = <TracesView />;
      break;
    case '/library':
      view = <LibraryView />;
      break;
    case '/connections':
      view = <ConnectionsView />;
      break;
    default:
      view = <StackView />;
  }
  const nav = stackless ? [...NAV, { path: '/setup', label: 'New stack', icon: 'setup' } as const] : NAV;

  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a
          class="brand"
          href="/stack"
          onClick={(e) => {
            e.preventDefault();
            navigate('/stack');
          }}
        >
          <img src="/favicon.svg" alt="" width="22" height="22" />
          <span>gridctl</span>
          {hello && <span class="muted stack-name">{stackless ? 'no stack' : hello.stack}</span>}
        </a>
        <nav aria-label="Views">
          {nav.map((n) => (
            <a
              key={n.path}
              href={n.path}
              class={section === n.path ? 'active' : ''}
              aria-current={section === n.path ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(n.path);
              }}
            >
              <Icon name={n.icon} />
              <span class="label">{n.label}</span>
            </a>
          ))}
        </nav>
        <div class="top-right">
          <ConnPill />
          <button
            type="button"
            class="icon-btn"
            onClick={toggleTheme}
            aria-label="Toggle dark theme"
            title="Toggle theme"
          >
            <Icon name="moon" />
          </button>
        </div>
      </header>
      {conn === 'reconnecting' && (
        <div class="banner" role="status" data-testid="reconnecting">
          Lost the connection to the gateway — reconnecting…
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {view}
      </main>
      <TokenDialog />
      <Notes />
    </div>
  );
}
