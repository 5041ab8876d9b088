// Connections: the LLM clients on the gateway's machine, whether each is installed and linked to
// this gateway, and link / unlink with a preview of the change to the client's file first.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { note } from '../store.js';

interface ClientRow {
  slug: string;
  name: string;
  detected: boolean;
  file: string;
  linked: boolean;
  owned: boolean;
  url?: string;
  declared: boolean;
  note?: string;
}

interface Outcome {
  action: string;
  file: string;
  name: string;
  url: string;
  diff: string;
}

export default function ConnectionsView(): JSX.Element {
  const [rows, setRows] = useState<ClientRow[] | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [preview, setPreview] = useState<{ slug: string; verb: 'link' | 'unlink'; out: Outcome }>();
  const [all, setAll] = useState(false);

  const load = async () => {
    try {
      setRows(await api<ClientRow[]>('/api/clients'));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const path = (slug: string) => `/api/clients/${encodeURIComponent(slug)}/link`;
  const run = async (slug: string, what: () => Promise<void>) => {
    setBusy(slug);
    try {
      await what();
    } catch (e) {
      note(`${slug}: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(undefined);
    }
  };
  const askLink = (c: ClientRow) =>
    run(c.slug, async () => {
      setPreview({
        slug: c.slug,
        verb: 'link',
        out: await api<Outcome>(`${path(c.slug)}/preview`, { method: 'POST', json: {} }),
      });
    });
  const askUnlink = (c: ClientRow) =>
    run(c.slug, async () => {
      setPreview({
        slug: c.slug,
        verb: 'unlink',
        out: await api<Outcome>(`${path(c.slug)}?dry_run=true`, { method: 'DELETE', json: {} }),
      });
    });
  const confirm = () => {
    if (!preview) return;
    const { slug, verb } = preview;
    return run(slug, async () => {
      const out =
        verb === 'link'
          ? await api<Outcome>(path(slug), { method: 'POST', json: {} })
          : await api<Outcome>(path(slug), { method: 'DELETE', json: {} });
      note(verb === 'link' ? `Linked ${slug}: ${out.name} → ${out.url}` : `Unlinked ${slug}`);
      setPreview(undefined);
      await load();
    });
  };

  if (error && !rows)
    return (
      <section class="view">
        <div class="view-head">
          <h1>Connections</h1>
        </div>
        <div class="empty">{error}</div>
      </section>
    );
  if (!rows) return <div class="empty">Loading…</div>;
  const shown = all ? rows : rows.filter((r) => r.detected || r.linked);
  return (
    <section class="view connections-view" aria-labelledby="connections-title">
      <div class="view-head">
        <h1 id="connections-title">Connections</h1>
        <p class="summary">
          {rows.filter((r) => r.linked).length} linked · {rows.filter((r) => r.detected).length} of{' '}
          {rows.length} clients installed on this machine
        </p>
        <label class="row">
          <input
            type="checkbox"
            checked={all}
            onChange={(e) => setAll((e.target as HTMLInputElement).checked)}
          />{' '}
          show clients that are not installed
        </label>
      </div>
      <table class="vars clients" data-testid="clients">
        <thead>
          <tr>
            <th>Client</th>
            <th>State</th>
            <th>Config file</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((c) => (
            <tr key={c.slug} data-testid={`client-${c.slug}`}>
              <td>
                {c.name} <code class="muted small">{c.slug}</code>
              </td>
              <td data-testid="client-state">
                <span class={`badge tone-${c.linked ? (c.owned ? 'ok' : 'warn') : 'idle'}`}>
                  <span class="dot" aria-hidden="true" />
                  {c.linked
                    ? c.owned
                      ? 'linked'
                      : 'has an entry gridctl did not write'
                    : c.detected
                      ? 'not linked'
                      : 'not installed'}
                </span>
                {c.declared && <span class="muted small"> · in the stack's link: block</span>}
              </td>
              <td>
                <code class="small">{c.file}</code>
              </td>
              <td>
                {c.linked && c.owned ? (
                  <button
                    type="button"
                    disabled={busy === c.slug}
                    onClick={() => askUnlink(c)}
                    data-testid="unlink"
                  >
                    Unlink…
                  </button>
                ) : (
                  <button
                    type="button"
                    class="primary"
                    disabled={busy === c.slug || (c.linked && !c.owned)}
                    onClick={() => askLink(c)}
                    data-testid="link"
                  >
                    Link…
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length === 0 && <div class="empty">No LLM client is installed on this machine.</div>}
      {preview && (
        <div class="modal-backdrop">
          <div
            class="modal"
            role="dialog"
            aria-modal="true"
            aria-labelledby="preview-title"
            data-testid="preview"
          >
            <h2 id="preview-title">
              {preview.verb === 'link' ? 'Link' : 'Unlink'} {preview.slug}
            </h2>
            <p class="muted">
              {preview.verb === 'link'
                ? `Adds ${preview.out.name} → ${preview.out.url} to`
                : `Removes ${preview.out.name} from`}{' '}
              <code>{preview.out.file}</code> (the old file is kept as a backup). Changed lines:
            </p>
            <pre class="schema" data-testid="preview-diff">
              {preview.out.diff || '(no change)'}
            </pre>
            <div class="row end">
              <button type="button" onClick={() => setPreview(undefined)}>
                Cancel
              </button>
              <button type="button" class="primary" onClick={confirm} data-testid="confirm">
                {preview.verb === 'link' ? 'Link' : 'Unlink'}
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
