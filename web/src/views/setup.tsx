// Stackless mode: start a saved stack, or create one in a few steps (servers → review → save and
// start). The YAML is generated from the form and validated by the gateway's own loader.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { note, useStore } from '../store.js';
import type { Plan } from '../types.js';
import { IssueList } from './spec.js';

type Kind = 'npm' | 'command' | 'url';
interface Row {
  kind: Kind;
  name: string;
  value: string;
  args: string;
}

const PRESETS: { label: string; row: Row }[] = [
  {
    label: 'MCP "everything" demo',
    row: { kind: 'npm', name: 'everything', value: '@modelcontextprotocol/server-everything', args: 'stdio' },
  },
  {
    label: 'Memory (knowledge graph)',
    row: { kind: 'npm', name: 'memory', value: '@modelcontextprotocol/server-memory', args: '' },
  },
  {
    label: 'Filesystem (this folder)',
    row: { kind: 'npm', name: 'filesystem', value: '@modelcontextprotocol/server-filesystem', args: '.' },
  },
];

const q = (s: string) => JSON.stringify(s);
const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

export function toYaml(name: string, rows: Row[]): string {
  const lines = ['version: "1"', `name: ${q(name)}`, 'mcp-servers:'];
  if (rows.length === 0) lines[2] = 'mcp-servers: []';
  for (const r of rows) {
    lines.push(`  - name: ${q(r.name)}`);
    if (r.kind === 'npm')
      lines.push(`    command: [${['npx', '-y', r.value, ...words(r.args)].map(q).join(', ')}]`);
    else if (r.kind === 'command')
      lines.push(`    command: [${[...words(r.value), ...words(r.args)].map(q).join(', ')}]`);
    else lines.push(`    url: ${q(r.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

export default function SetupView(): JSX.Element {
  const hello = useStore((s) => s.hello);
  const servers = useStore((s) => s.servers);
  const [saved, setSaved] = useState<string[] | null>(null);
  const [name, setName] = useState('my-stack');
  const [rows, setRows] = useState<Row[]>([]);
  const [yaml, setYaml] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<{ stacks: string[] }>('/api/stacks').then(
      (r) => setSaved(r.stacks),
      () => setSaved([]),
    );
  }, []);

  if (hello && !hello.stackless)
    return (
      <section class="view">
        <div class="empty">
          <p>This gateway runs the stack “{hello.stack}”. Edit it in the Spec view.</p>
          <button type="button" onClick={() => navigate('/spec')}>
            Open Spec
          </button>
        </div>
      </section>
    );
  if (servers.length > 0)
    return (
      <section class="view">
        <div class="empty">
          <p>A stack is loaded.</p>
          <button type="button" class="primary" onClick={() => navigate('/stack')}>
            Show the stack
          </button>
        </div>
      </section>
    );

  const text = yaml ?? toYaml(name, rows);
  const start = async (stack: string) => {
    setBusy(true);
    try {
      await api('/api/stack/initialize', { method: 'POST', json: { name: stack } });
      note(`Started ${stack}`);
      navigate('/stack');
    } catch (e) {
      note(`Could not start ${stack}: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  const validate = async () => {
    setBusy(true);
    try {
      setPlan(await api<Plan>('/api/stack/plan', { method: 'POST', json: { yaml: text } }));
    } catch (e) {
      note((e as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  };
  const saveAndStart = async () => {
    setBusy(true);
    try {
      await api('/api/stacks', { method: 'POST', json: { name, yaml: text } });
      setBusy(false);
      await start(name);
    } catch (e) {
      const issues = ((e as { body?: { issues?: Plan['issues'] } }).body?.issues ?? []) as Plan['issues'];
      setPlan({ ok: false, issues, diff: null });
      note(`Not saved: ${(e as Error).message}`, 'error');
      setBusy(false);
    }
  };
  const update = (i: number, patch: Partial<Row>) => {
    setRows(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
    setYaml(null);
    setPlan(null);
  };

  return (
    <section class="view setup-view" aria-labelledby="setup-title">
      <div class="view-head">
        <h1 id="setup-title">Start a stack</h1>
        <p class="summary">No stack is loaded in this gateway.</p>
      </div>
      {saved && saved.length > 0 && (
        <div class="card">
          <h2>Saved stacks</h2>
          <ul class="saved">
            {saved.map((s) => (
              <li key={s}>
                <code>{s}</code>
                <button type="button" onClick={() => start(s)} disabled={busy}>
                  Start
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="card">
        <h2>1 · Name</h2>
        <label class="field">
          <span>Stack name</span>
          <input
            value={name}
            data-testid="setup-name"
            onInput={(e) => {
              setName((e.target as HTMLInputElement).value);
              setYaml(null);
            }}
          />
          <small class="muted">Saved as stacks/{name}.yaml in the gridctl home.</small>
        </label>
      </div>
      <div class="card">
        <h2>2 · Servers</h2>
        <div class="row wrap">
          {PRESETS.map((p) => (
            <button
              key={p.label}
              type="button"
              onClick={() => {
                setRows([...rows, { ...p.row }]);
                setYaml(null);
                setPlan(null);
              }}
            >
              + {p.label}
            </button>
          ))}
          <button
            type="button"
            onClick={() => {
              setRows([...rows, { kind: 'npm', name: `server${rows.length + 1}`, value: '', args: '' }]);
              setYaml(null);
            }}
          >
            + Custom
          </button>
        </div>
        {rows.map((r, i) => (
          <fieldset key={i} class="server-row">
            <legend>Server {i + 1}</legend>
            <label class="field inline">
              <span>Kind</span>
              <select
                value={r.kind}
                onChange={(e) => update(i, { kind: (e.target as HTMLSelectElement).value as Kind })}
              >
                <option value="npm">npm package (npx)</option>
                <option value="command">local command</option>
                <option value="url">remote URL</option>
              </select>
            </label>
            <label class="field inline">
              <span>Name</span>
              <input
                value={r.name}
                onInput={(e) => update(i, { name: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label class="field inline grow">
              <span>{r.kind === 'npm' ? 'Package' : r.kind === 'command' ? 'Command' : 'URL'}</span>
              <input
                value={r.value}
                onInput={(e) => update(i, { value: (e.target as HTMLInputElement).value })}
              />
            </label>
            {r.kind !== 'url' && (
              <label class="field inline">
                <span>Arguments</span>
                <input
                  value={r.args}
                  onInput={(e) => update(i, { args: (e.target as HTMLInputElement).value })}
                />
              </label>
            )}
            <button type="button" class="link" onClick={() => setRows(rows.filter((_, k) => k !== i))}>
              remove
            </button>
          </fieldset>
        ))}
      </div>
      <div class="card">
        <h2>3 · Review</h2>
        <textarea
          class="mono editor small-editor"
          aria-label="Stack YAML"
          spellcheck={false}
          value={text}
          data-testid="setup-yaml"
          onInput={(e) => {
            setYaml((e.target as HTMLTextAreaElement).value);
            setPlan(null);
          }}
        />
        {plan && (plan.ok ? <p class="ok">Valid.</p> : <IssueList issues={plan.issues} />)}
        <div class="row">
          <button type="button" onClick={validate} disabled={busy}>
            Validate
          </button>
          <button
            type="button"
            class="primary"
            onClick={saveAndStart}
            disabled={busy || (rows.length === 0 && yaml === null)}
            data-testid="setup-start"
          >
            Save and start
          </button>
        </div>
      </div>
    </section>
  );
}
