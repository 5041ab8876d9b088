// Library: the skills registry (docs/skills.md). Each skill with its state, whether this gateway
// serves it (the stack's policy applied), where it came from and how often clients read it;
// activate and disable; problems with their file and line. Refreshed every few seconds, since
// skills change on disk without the gateway pushing an event.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { note } from '../store.js';

interface Issue {
  code: string;
  severity: 'error' | 'warning';
  file: string;
  line: number;
  message: string;
  hint?: string;
}
interface Skill {
  name: string;
  state: 'draft' | 'active' | 'disabled';
  description: string;
  file: string;
  servable: boolean;
  served: boolean;
  errors: number;
  warnings: number;
  source?: { source: string; ref?: string; commit?: string; imported_at: string };
  usage: { count: number; lastUsed?: string };
}
interface Registry {
  dir: string;
  skills: Skill[];
  issues: Issue[];
}

const TONE: Record<Skill['state'], string> = { active: 'ok', draft: 'idle', disabled: 'idle' };

export default function LibraryView(): JSX.Element {
  const [reg, setReg] = useState<Registry | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();

  const load = async () => {
    try {
      setReg(await api<Registry>('/api/skills'));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 5000);
    return () => clearInterval(t);
  }, []);

  const change = async (s: Skill, verb: 'activate' | 'disable') => {
    setBusy(s.name);
    try {
      await api(`/api/skills/${encodeURIComponent(s.name)}/${verb}`, { method: 'POST', json: {} });
      note(`${s.name} ${verb === 'activate' ? 'activated' : 'disabled'}`);
      await load();
    } catch (e) {
      note(`${verb} failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(undefined);
    }
  };

  if (!reg)
    return (
      <section class="view">
        <div class="view-head">
          <h1>Library</h1>
        </div>
        <div class="empty">{error ?? 'Loading…'}</div>
      </section>
    );
  return (
    <section class="view library-view" aria-labelledby="library-title">
      <div class="view-head">
        <h1 id="library-title">Library</h1>
        <p class="summary">
          {reg.skills.filter((s) => s.served).length} of {reg.skills.length} skills served ·{' '}
          <code>{reg.dir}</code>
        </p>
      </div>
      {reg.skills.length === 0 ? (
        <div class="empty">
          No skills yet. Add a <code>SKILL.md</code> under <code>{reg.dir}</code>, or run{' '}
          <code>gridctl skill add &lt;git-url&gt;</code>.
        </div>
      ) : (
        <div class="card">
          <table class="vars" data-testid="skills">
            <thead>
              <tr>
                <th scope="col">Skill</th>
                <th scope="col">State</th>
                <th scope="col">Served</th>
                <th scope="col">Source</th>
                <th scope="col">Reads</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {reg.skills.map((s) => (
                <tr key={s.file} data-testid={`skill-${s.name}`}>
                  <th scope="row">
                    <strong>{s.name}</strong>
                    <div class="muted small">{s.description}</div>
                  </th>
                  <td>
                    <span
                      class={`badge tone-${s.errors > 0 ? 'bad' : TONE[s.state]}`}
                      data-testid="skill-state"
                    >
                      <span class="dot" aria-hidden="true" />
                      {s.state}
                      {s.errors > 0 ? ` · ${s.errors} error${s.errors > 1 ? 's' : ''}` : ''}
                    </span>
                  </td>
                  <td data-testid="skill-served">
                    {s.served ? 'yes' : s.servable ? 'no (policy or pins)' : 'no'}
                  </td>
                  <td class="small">
                    {s.source ? (
                      <span title={s.source.commit ?? ''}>
                        {s.source.source}
                        {s.source.ref ? ` @ ${s.source.ref}` : ''}
                      </span>
                    ) : (
                      <span class="muted">local</span>
                    )}
                  </td>
                  <td data-testid="skill-reads">{s.usage.count}</td>
                  <td class="var-actions">
                    {s.state === 'active' ? (
                      <button type="button" disabled={busy === s.name} onClick={() => change(s, 'disable')}>
                        Disable
                      </button>
                    ) : (
                      <button
                        type="button"
                        class="primary"
                        disabled={busy === s.name || s.errors > 0}
                        title={s.errors > 0 ? 'fix its errors first' : ''}
                        onClick={() => change(s, 'activate')}
                      >
                        Activate
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {reg.issues.length > 0 && (
        <div class="card">
          <h2>Problems</h2>
          <ul class="issues" data-testid="skill-issues">
            {reg.issues.map((i) => (
              <li key={`${i.file}:${i.line}:${i.code}`} class={`sev-${i.severity}`}>
                <strong>{i.code}</strong> {i.message}{' '}
                <code>
                  {i.file}:{i.line}
                </code>
                {i.hint && <div class="muted small">{i.hint}</div>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
