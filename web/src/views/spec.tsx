// Spec: the stack file as loaded, with validation issues marked at their lines and the drift
// between the file and what runs; edit it, see the plan, and apply it (write + reload).
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type HttpError } from '../api.js';
import { navigate } from '../router.js';
import { note, useStore } from '../store.js';
import type { Issue, Plan } from '../types.js';

interface Source extends Plan {
  file: string;
  text: string;
  hash: string;
}

interface ApplyResult {
  written: string;
  reload: {
    success: boolean;
    message: string;
    added: string[];
    removed: string[];
    modified: string[];
    errors: string[];
  };
}

function Lines({ text, issues }: { text: string; issues: Issue[] }): JSX.Element {
  const byLine = useMemo(() => {
    const m = new Map<number, Issue[]>();
    for (const i of issues) if (i.line) m.set(i.line, [...(m.get(i.line) ?? []), i]);
    return m;
  }, [issues]);
  return (
    <ol class="code" data-testid="spec-lines">
      {text.split('\n').map((line, n) => {
        const here = byLine.get(n + 1);
        const worst = here?.some((i) => i.severity === 'error') ? 'error' : here ? 'warning' : '';
        return (
          <li key={n} class={worst ? `has-${worst}` : ''} id={`L${n + 1}`}>
            <span class="ln" aria-hidden="true">
              {n + 1}
            </span>
            <span class="src">{line || ' '}</span>
            {here?.map((i, k) => (
              <div key={k} class={`issue-inline sev-${i.severity}`}>
                {i.severity}: {i.field}: {i.message}
              </div>
            ))}
          </li>
        );
      })}
    </ol>
  );
}

export function IssueList({ issues }: { issues: Issue[] }): JSX.Element | null {
  if (issues.length === 0) return null;
  return (
    <ul class="issues" data-testid="issues">
      {issues.map((i, k) => (
        <li key={k} class={`sev-${i.severity}`}>
          <strong>{i.severity}</strong> {i.line ? <a href={`#L${i.line}`}>line {i.line}</a> : null}{' '}
          <code>{i.field}</code> {i.message}
          {i.hint && <div class="muted small">{i.hint}</div>}
        </li>
      ))}
    </ul>
  );
}

export function PlanView({ plan }: { plan: Plan }): JSX.Element {
  if (plan.nameChange)
    return (
      <p class="error">
        The stack's name changes ({plan.nameChange.from} → {plan.nameChange.to}); that needs destroy and
        apply, not reload.
      </p>
    );
  if (!plan.diff) return <p class="error">The stack does not load; fix the errors first.</p>;
  if (!plan.diff.hasChanges)
    return (
      <p class="muted" data-testid="plan-empty">
        No changes: the file matches what runs.
      </p>
    );
  const sign = { add: '+', change: '~', remove: '-' } as const;
  return (
    <div data-testid="plan">
      <p class="small">
        <span class="diff-add">{plan.diff.summary.add} to add</span>,{' '}
        <span class="diff-change">{plan.diff.summary.change} to change</span>,{' '}
        <span class="diff-remove">{plan.diff.summary.remove} to remove</span>
      </p>
      <ul class="plan">
        {plan.diff.items.map((it) => (
          <li key={`${it.kind}:${it.name}`} class={`diff-${it.action}`}>
            <code>
              {sign[it.action]} {it.kind} {it.name}
            </code>
            {it.details.length > 0 && <div class="muted small">{it.details.join(', ')}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

export default function SpecView(): JSX.Element {
  const hello = useStore((s) => s.hello);
  const stackSeq = useStore((s) => s.stack);
  const [source, setSource] = useState<Source | null>(null);
  const [error, setError] = useState<string>();
  const [draft, setDraft] = useState<string | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [busy, setBusy] = useState(false);
  const [applied, setApplied] = useState<ApplyResult | null>(null);

  const load = async () => {
    try {
      setSource(await api<Source>('/api/stack/source'));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, [stackSeq]);

  if (error && !source)
    return (
      <section class="view">
        <div class="view-head">
          <h1>Spec</h1>
        </div>
        <div class="empty">
          <p>{error}</p>
          {hello?.stackless && (
            <button type="button" class="primary" onClick={() => navigate('/setup')}>
              Create or start a stack
            </button>
          )}
        </div>
      </section>
    );
  if (!source) return <div class="empty">Loading…</div>;

  const runPlan = async () => {
    if (draft === null) return;
    setBusy(true);
    try {
      setPlan(await api<Plan>('/api/stack/plan', { method: 'POST', json: { yaml: draft } }));
    } catch (e) {
      note(`Plan failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (draft === null) return;
    setBusy(true);
    try {
      const r = await api<ApplyResult>('/api/stack/apply', {
        method: 'POST',
        json: { yaml: draft, hash: source.hash },
      });
      setApplied(r);
      note('Written and reloaded');
      setDraft(null);
      setPlan(null);
      await load();
    } catch (e) {
      const body = (e as HttpError).body as { reload?: ApplyResult['reload'] } | undefined;
      if (body?.reload) setApplied(body as ApplyResult);
      note(`Apply failed: ${(e as Error).message}`, 'error');
      if ((e as HttpError).status === 409) await load();
    } finally {
      setBusy(false);
    }
  };

  const editing = draft !== null;
  return (
    <section class="view spec-view" aria-labelledby="spec-title">
      <div class="view-head">
        <h1 id="spec-title">Spec</h1>
        <p class="summary">
          <code>{source.file}</code>
        </p>
      </div>
      <div class="split spec-split">
        <div class="spec-main">
          <div class="toolbar">
            {editing ? (
              <>
                <button
                  type="button"
                  class="primary"
                  onClick={runPlan}
                  disabled={busy}
                  data-testid="plan-btn"
                >
                  Validate &amp; plan
                </button>
                <button
                  type="button"
                  onClick={apply}
                  disabled={busy || !plan?.ok || !plan.diff?.hasChanges}
                  data-testid="apply-btn"
                  title="Write the file, then reload"
                >
                  Apply (write + reload)
                </button>
                <button
                  type="button"
                  onClick={() => {
                    setDraft(null);
                    setPlan(null);
                  }}
                >
                  Discard
                </button>
              </>
            ) : (
              <button type="button" onClick={() => setDraft(source.text)} data-testid="edit-btn">
                Edit
              </button>
            )}
          </div>
          {editing ? (
            <textarea
              class="mono editor"
              aria-label="Stack file"
              spellcheck={false}
              value={draft}
              data-testid="spec-editor"
              onInput={(e) => {
                setDraft((e.target as HTMLTextAreaElement).value);
                setPlan(null);
              }}
            />
          ) : (
            <Lines text={source.text} issues={source.issues} />
          )}
        </div>
        <div class="spec-side">
          {editing ? (
            <>
              <h2>Plan of the edit</h2>
              {plan ? (
                <>
                  <PlanView plan={plan} />
                  <IssueList issues={plan.issues} />
                </>
              ) : (
                <p class="muted">
                  Validate to see what would change. Applying writes the file (the old one is kept as .bak)
                  and reloads it.
                </p>
              )}
            </>
          ) : (
            <>
              <h2>Validation</h2>
              {source.issues.length === 0 ? (
                <p class="ok">No issues.</p>
              ) : (
                <IssueList issues={source.issues} />
              )}
              <h2>File vs running</h2>
              <PlanView plan={source} />
            </>
          )}
          {applied && (
            <div class={`result ${applied.reload.success ? '' : 'is-error'}`} data-testid="apply-result">
              <strong>{applied.reload.message}</strong>
              <div class="small">
                added {applied.reload.added.join(', ') || '—'} · modified{' '}
                {applied.reload.modified.join(', ') || '—'} · removed{' '}
                {applied.reload.removed.join(', ') || '—'}
              </div>
              {applied.reload.errors.map((e) => (
                <div key={e} class="error small">
                  {e}
                </div>
              ))}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
