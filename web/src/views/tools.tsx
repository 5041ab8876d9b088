// Tools: every exposed tool, searchable, with its schema and a "try it" form generated from the
// input schema. Calls go through the gateway's /mcp endpoint (see mcp.ts), like any MCP client's.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Icon } from '../icons.js';
import { type CallResult, type ContentItem, callTool } from '../mcp.js';
import { setQuery, useLocation } from '../router.js';
import { type Field, fieldsOf, initialValues, toArguments } from '../schema-form.js';
import { useStore } from '../store.js';
import type { Tool } from '../types.js';

function FieldInput({
  f,
  value,
  error,
  onChange,
}: {
  f: Field;
  value: string | boolean;
  error?: string;
  onChange: (v: string | boolean) => void;
}): JSX.Element {
  const id = `arg-${f.name}`;
  const label = (
    <span>
      {f.name}
      {f.required && (
        <span class="req" title="required">
          {' '}
          *
        </span>
      )}{' '}
      <span class="muted small">{f.kind === 'json' ? f.hint : f.kind}</span>
    </span>
  );
  let input: JSX.Element;
  const str = typeof value === 'string' ? value : '';
  const onInput = (e: Event) => onChange((e.target as HTMLInputElement).value);
  switch (f.kind) {
    case 'boolean':
      return (
        <label class="field check" for={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
          />
          {label}
          {f.description && <small class="muted">{f.description}</small>}
        </label>
      );
    case 'enum':
      input = (
        <select id={id} value={str} onChange={onInput} aria-invalid={!!error}>
          {!f.required && <option value="">(none)</option>}
          {f.options?.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case 'text':
    case 'json':
      input = (
        <textarea
          id={id}
          rows={f.kind === 'json' ? 4 : 3}
          value={str}
          onInput={onInput}
          aria-invalid={!!error}
          class={f.kind === 'json' ? 'mono' : ''}
        />
      );
      break;
    case 'number':
    case 'integer':
      input = (
        <input
          id={id}
          type="number"
          step={f.kind === 'integer' ? 1 : 'any'}
          value={str}
          onInput={onInput}
          aria-invalid={!!error}
        />
      );
      break;
    default:
      input = <input id={id} type="text" value={str} onInput={onInput} aria-invalid={!!error} />;
  }
  return (
    <label class="field" for={id}>
      {label}
      {input}
      {f.description && <small class="muted">{f.description}</small>}
      {error && <small class="error">{error}</small>}
    </label>
  );
}

function Content({ item }: { item: ContentItem }): JSX.Element {
  switch (item.type) {
    case 'text': {
      const t = item.text ?? '';
      let pretty: string | undefined;
      if (/^\s*[[{]/.test(t)) {
        try {
          pretty = JSON.stringify(JSON.parse(t), null, 2);
        } catch {
          pretty = undefined;
        }
      }
      return (
        <pre class="result-text" data-testid="result-text">
          {pretty ?? t}
        </pre>
      );
    }
    case 'image':
      return (
        <img
          class="result-image"
          data-testid="result-image"
          alt="Result of the tool call"
          src={`data:${item.mimeType ?? 'image/png'};base64,${item.data ?? ''}`}
        />
      );
    case 'audio':
      // biome-ignore lint/a11y/useMediaCaption: tool output has no captions to offer
      return <audio controls src={`data:${item.mimeType ?? 'audio/wav'};base64,${item.data ?? ''}`} />;
    case 'resource': {
      const r = item.resource;
      return (
        <div class="result-resource">
          <div class="muted small">resource {r?.uri}</div>
          {r?.text !== undefined ? (
            <pre class="result-text">{r.text}</pre>
          ) : (
            <div class="muted small">binary ({r?.mimeType ?? 'unknown type'})</div>
          )}
        </div>
      );
    }
    case 'resource_link':
      return (
        <div class="result-resource">
          <span class="muted small">link</span> <code>{item.uri}</code>{' '}
          {item.name && <span>{item.name}</span>}
        </div>
      );
    default:
      return <pre class="result-text">{JSON.stringify(item, null, 2)}</pre>;
  }
}

function TryIt({ tool }: { tool: Tool }): JSX.Element {
  const fields = useMemo(() => fieldsOf(tool.inputSchema), [tool]);
  const [values, setValues] = useState(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [raw, setRaw] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: CallResult } | { error: string } | null>(null);
  const [ms, setMs] = useState(0);
  useEffect(() => {
    setValues(initialValues(fields));
    setErrors({});
    setRaw(null);
    setResult(null);
  }, [fields]);

  const submit = async (e: Event) => {
    e.preventDefault();
    let args: Record<string, unknown>;
    if (raw !== null) {
      try {
        args = JSON.parse(raw || '{}') as Record<string, unknown>;
      } catch {
        setErrors({ _raw: 'not valid JSON' });
        return;
      }
    } else {
      const c = toArguments(fields, values);
      setErrors(c.errors);
      if (Object.keys(c.errors).length > 0) return;
      args = c.args;
    }
    setBusy(true);
    const t0 = performance.now();
    try {
      setResult({ ok: await callTool(tool.name, args) });
    } catch (err) {
      setResult({ error: (err as Error).message });
    } finally {
      setMs(Math.round(performance.now() - t0));
      setBusy(false);
    }
  };

  return (
    <form class="try" onSubmit={submit} aria-label={`Try ${tool.name}`}>
      <div class="row between">
        <h3>Try it</h3>
        <button
          type="button"
          class="link"
          onClick={() =>
            setRaw(raw === null ? JSON.stringify(toArguments(fields, values).args, null, 2) : null)
          }
        >
          {raw === null ? 'Edit as JSON' : 'Back to form'}
        </button>
      </div>
      {raw !== null ? (
        <label class="field">
          <span>Arguments (JSON)</span>
          <textarea
            class="mono"
            rows={8}
            value={raw}
            onInput={(e) => setRaw((e.target as HTMLTextAreaElement).value)}
          />
          {errors._raw && <small class="error">{errors._raw}</small>}
        </label>
      ) : fields.length === 0 ? (
        <p class="muted">This tool takes no arguments.</p>
      ) : (
        fields.map((f) => (
          <FieldInput
            key={f.name}
            f={f}
            value={values[f.name] ?? ''}
            error={errors[f.name]}
            onChange={(v) => setValues({ ...values, [f.name]: v })}
          />
        ))
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={busy} data-testid="call">
          {busy ? 'Calling…' : 'Call tool'}
        </button>
        {result && <span class="muted small">{ms} ms via /mcp</span>}
      </div>
      {result && (
        <div
          class={`result ${'error' in result || result.ok.isError ? 'is-error' : ''}`}
          data-testid="result"
          aria-live="polite"
        >
          {'error' in result ? (
            <pre class="result-text">{result.error}</pre>
          ) : (
            <>
              {result.ok.isError && <div class="error small">The tool reported an error.</div>}
              {(result.ok.content ?? []).map((c, i) => (
                <Content key={i} item={c} />
              ))}
              {result.ok.structuredContent !== undefined && (
                <details open>
                  <summary>structuredContent</summary>
                  <pre class="result-text">{JSON.stringify(result.ok.structuredContent, null, 2)}</pre>
                </details>
              )}
            </>
          )}
        </div>
      )}
    </form>
  );
}

export default function ToolsView(): JSX.Element {
  const tools = useStore((s) => s.tools);
  const servers = useStore((s) => s.servers);
  const { query } = useLocation();
  const [search, setSearch] = useState(query.get('q') ?? '');
  const server = query.get('server') ?? '';
  const selected = query.get('tool') ?? undefined;

  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    return tools.filter(
      (t) =>
        (server === '' || t.server === server) &&
        (q === '' || t.name.toLowerCase().includes(q) || (t.description ?? '').toLowerCase().includes(q)),
    );
  }, [tools, search, server]);
  const tool = tools.find((t) => t.name === selected);

  return (
    <section class="view tools-view" aria-labelledby="tools-title">
      <div class="view-head">
        <h1 id="tools-title">Tools</h1>
        <p class="summary">
          {tools.length} tools from {servers.length} servers
        </p>
      </div>
      <div class="split">
        <div class="list-pane">
          <div class="toolbar">
            <label class="field inline grow">
              <Icon name="search" label="Search tools" />
              <input
                type="search"
                placeholder="search tools"
                value={search}
                data-testid="tool-search"
                onInput={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  setSearch(v);
                  setQuery('q', v || undefined);
                }}
              />
            </label>
            <select
              aria-label="Server"
              value={server}
              onChange={(e) => setQuery('server', (e.target as HTMLSelectElement).value || undefined)}
            >
              <option value="">all servers</option>
              {servers.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
          <ul class="tool-index" data-testid="tool-index">
            {shown.map((t) => (
              <li key={t.name}>
                <button
                  type="button"
                  class={t.name === selected ? 'selected' : ''}
                  aria-current={t.name === selected ? 'true' : undefined}
                  onClick={() => setQuery('tool', t.name)}
                  data-testid={`tool-${t.name}`}
                >
                  <strong>{t.name}</strong>
                  {t.description && <span class="muted small">{t.description.split('\n')[0]}</span>}
                </button>
              </li>
            ))}
            {shown.length === 0 && <li class="muted pad">No tool matches.</li>}
          </ul>
        </div>
        <div class="detail-pane">
          {tool ? (
            <article aria-labelledby="tool-title">
              <h2 id="tool-title">{tool.name}</h2>
              <p class="muted small">
                server <strong>{tool.server}</strong> · upstream name <code>{tool.originalName}</code>
              </p>
              {tool.description && <p class="desc">{tool.description}</p>}
              {tool.annotations && (
                <p class="small">
                  {Object.entries(tool.annotations).map(([k, v]) => (
                    <span key={k} class="chip">
                      {k}: {String(v)}
                    </span>
                  ))}
                </p>
              )}
              <TryIt tool={tool} />
              <details>
                <summary>Input schema</summary>
                <pre class="schema">{JSON.stringify(tool.inputSchema ?? {}, null, 2)}</pre>
              </details>
              {tool.outputSchema && (
                <details>
                  <summary>Output schema</summary>
                  <pre class="schema">{JSON.stringify(tool.outputSchema, null, 2)}</pre>
                </details>
              )}
            </article>
          ) : (
            <div class="empty">Pick a tool to see its schema and try it.</div>
          )}
        </div>
      </div>
    </section>
  );
}
