// Variables: the variable store's keys per scope (default + named sets), its locked state, values
// hidden until revealed (the gateway reveals only when it has inbound auth), set and delete.
// Values live in this component only while shown; nothing is cached or stored.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, HttpError, onToken } from '../api.js';
import { Icon } from '../icons.js';
import { note } from '../store.js';

interface Scope {
  set: string | null;
  keys: string[];
}
interface Listing {
  locked: boolean;
  exists: boolean;
  file: string;
  readable: boolean;
  reveal: boolean;
  message?: string;
  scopes: Scope[];
}

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SET_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

const id = (key: string, set: string | null) => `${set ?? ''}\u0000${key}`;
const path = (key: string, set: string | null) =>
  `/api/var/${encodeURIComponent(key)}${set ? `?set=${encodeURIComponent(set)}` : ''}`;
const scopeLabel = (set: string | null) => (set ? `set ${set}` : 'default scope');

function StoreBadge({ list }: { list: Listing }): JSX.Element {
  const [tone, text] = !list.exists
    ? ['idle', 'no store yet']
    : list.locked
      ? ['ok', 'locked (passphrase)']
      : ['warn', 'not locked'];
  return (
    <span class={`badge tone-${tone}`} data-testid="vault-state">
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function ConfirmDelete({
  target,
  onCancel,
  onConfirm,
}: {
  target: { key: string; set: string | null };
  onCancel: () => void;
  onConfirm: () => void;
}): JSX.Element {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onCancel();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class="modal-backdrop">
      <div
        class="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="del-title"
        aria-describedby="del-desc"
      >
        <h2 id="del-title">
          Delete <code>{target.key}</code>?
        </h2>
        <p id="del-desc" class="muted">
          From the {scopeLabel(target.set)}. Servers already running keep the value until they restart; the
          next apply or reload fails if the stack still refers to it. This cannot be undone.
        </p>
        <div class="row end">
          <button type="button" ref={cancel} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={onConfirm} data-testid="confirm-delete">
            Delete
          </button>
        </div>
      </div>
    </div>
  );
}

function SetForm({ sets, onSaved }: { sets: string[]; onSaved: () => Promise<void> }): JSX.Element {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [set, setSet] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const edit = (update: (v: string) => void, e: Event) => {
    update((e.target as HTMLInputElement).value);
    setError(undefined);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const k = key.trim();
    const s = set.trim();
    if (!KEY_RE.test(k))
      return setError('Name: letters, digits and underscores, not starting with a digit (like API_TOKEN).');
    if (s && !SET_RE.test(s))
      return setError("Set: up to 64 letters, digits, '_', '-' or '.', not starting with '-' or '.'.");
    if (!value) return setError('Value: enter a value.');
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{ created: boolean }>(path(k, s || null), { method: 'PUT', json: { value } });
      note(`${r.created ? 'Added' : 'Changed'} ${k}${s ? ` in set ${s}` : ''}`);
      setValue('');
      setKey('');
      await onSaved();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card var-form" onSubmit={submit} aria-labelledby="set-title" data-testid="var-form">
      <h2 id="set-title">Set a variable</h2>
      <div class="row wrap">
        <label class="field grow">
          <span>Name</span>
          <input
            value={key}
            onInput={(e) => edit(setKey, e)}
            placeholder="API_TOKEN"
            autocomplete="off"
            spellcheck={false}
            data-testid="var-key"
          />
        </label>
        <label class="field grow">
          <span>Value</span>
          <input
            type="password"
            value={value}
            onInput={(e) => edit(setValue, e)}
            autocomplete="new-password"
            data-testid="var-value"
          />
        </label>
        <label class="field">
          <span>
            Set <span class="muted small">(optional)</span>
          </span>
          <input
            value={set}
            list="var-sets"
            onInput={(e) => edit(setSet, e)}
            placeholder="default scope"
            autocomplete="off"
            spellcheck={false}
            data-testid="var-set"
          />
          <datalist id="var-sets">
            {sets.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
      </div>
      {error && (
        <p class="error" role="alert" data-testid="var-form-error">
          {error}
        </p>
      )}
      <div class="row end">
        <button type="submit" class="primary" disabled={busy} data-testid="var-save">
          Save
        </button>
      </div>
    </form>
  );
}

export default function VariablesView(): JSX.Element {
  const [list, setList] = useState<Listing | null>(null);
  const [error, setError] = useState<string>();
  const [shown, setShown] = useState<Record<string, string>>({});
  const [revealError, setRevealError] = useState<string>();
  const [confirm, setConfirm] = useState<{ key: string; set: string | null } | null>(null);
  const [busy, setBusy] = useState<string>();

  const load = async () => {
    try {
      setList(await api<Listing>('/api/var'));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
    // A token typed into the prompt after a 401: list again with it.
    return onToken(() => void load());
  }, []);

  const reveal = async (key: string, set: string | null) => {
    const k = id(key, set);
    // Not `disabled` while busy: that would drop keyboard focus from the button.
    if (busy === k) return;
    if (shown[k] !== undefined) {
      const { [k]: _, ...rest } = shown;
      setShown(rest);
      return;
    }
    setBusy(k);
    try {
      const r = await api<{ value: string }>(path(key, set));
      setShown((s) => ({ ...s, [k]: r.value }));
      setRevealError(undefined);
    } catch (e) {
      if (e instanceof HttpError && e.status === 403) setRevealError(e.message);
      else note(`Reveal failed: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(undefined);
    }
  };

  const remove = async (key: string, set: string | null) => {
    setConfirm(null);
    try {
      await api(path(key, set), { method: 'DELETE', json: {} });
      note(`Deleted ${key}${set ? ` from set ${set}` : ''}`);
      const { [id(key, set)]: _, ...rest } = shown;
      setShown(rest);
      await load();
    } catch (e) {
      note(`Delete failed: ${(e as Error).message}`, 'error');
    }
  };

  const head = (
    <div class="view-head">
      <h1 id="vars-title">Variables</h1>
      {list && <StoreBadge list={list} />}
      {list && (
        <p class="summary">
          <code>{list.file}</code>
        </p>
      )}
      <button type="button" onClick={() => void load()} data-testid="var-refresh">
        <Icon name="restart" /> Refresh
      </button>
    </div>
  );

  if (!list)
    return (
      <section class="view" aria-labelledby="vars-title">
        {head}
        <div class="empty">{error ?? 'Loading…'}</div>
      </section>
    );

  const total = list.scopes.reduce((n, s) => n + s.keys.length, 0);
  const sets = list.scopes.flatMap((s) => (s.set ? [s.set] : []));
  return (
    <section class="view vars-view" aria-labelledby="vars-title">
      {head}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list.exists && !list.locked && (
        <p class="note-inline warn" data-testid="unlocked-note">
          This store has no passphrase: its values are encrypted, but the key is stored beside them, so anyone
          who can read the file can decrypt it. Run <code>gridctl var lock</code> to protect it.
        </p>
      )}
      {!list.readable && (
        <div class="empty" data-testid="locked-message">
          <p>{list.message}</p>
        </div>
      )}
      {list.readable && !list.reveal && (
        <p class="muted small" data-testid="reveal-off">
          Values stay hidden here: this gateway has no inbound auth (<code>gateway.auth</code>), so it does
          not reveal values over HTTP. Setting and deleting work.
        </p>
      )}
      {revealError && (
        <p class="note-inline bad" role="alert" data-testid="reveal-error">
          {revealError}
        </p>
      )}
      {list.readable &&
        list.scopes
          .filter((s) => s.set === null || s.keys.length > 0)
          .map((scope) => (
            <div class="card" key={scope.set ?? ''} data-testid={`scope-${scope.set ?? 'default'}`}>
              <h2>
                {scope.set ? (
                  <>
                    Set <code>{scope.set}</code>
                  </>
                ) : (
                  'Default scope'
                )}{' '}
                <span class="muted small">
                  {scope.keys.length} key{scope.keys.length === 1 ? '' : 's'}
                </span>
              </h2>
              {scope.keys.length === 0 ? (
                <p class="muted">
                  No variables outside sets.{' '}
                  {total === 0 && 'Add one below, or with gridctl var set KEY in a terminal.'}
                </p>
              ) : (
                <table class="vars">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Value</th>
                      <th scope="col">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {scope.keys.map((key) => {
                      const k = id(key, scope.set);
                      const value = shown[k];
                      return (
                        <tr key={key} data-testid={`var-${scope.set ?? ''}-${key}`}>
                          <th scope="row">
                            <code>{key}</code>
                          </th>
                          <td class="var-value" data-testid="value">
                            {value === undefined ? (
                              <span class="muted">
                                <span aria-hidden="true">••••••••</span>
                                <span class="sr-only">hidden</span>
                              </span>
                            ) : (
                              <code>{value}</code>
                            )}
                          </td>
                          <td class="var-actions">
                            <button
                              type="button"
                              onClick={() => reveal(key, scope.set)}
                              aria-busy={busy === k}
                              aria-label={`${value === undefined ? 'Reveal' : 'Hide'} ${key}`}
                              data-testid="reveal"
                            >
                              {value === undefined ? 'Reveal' : 'Hide'}
                            </button>
                            <button
                              type="button"
                              class="danger"
                              onClick={() => setConfirm({ key, set: scope.set })}
                              aria-label={`Delete ${key}`}
                              data-testid="delete"
                            >
                              Delete
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </div>
          ))}
      {list.readable && <SetForm sets={sets} onSaved={load} />}
      <p class="muted small">
        {/* biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file reference syntax */}
        Stacks refer to these as <code>{'${var:KEY}'}</code>; <code>secrets.sets</code> injects a whole set
        into the servers it names. Changes made with <code>gridctl var</code> show after Refresh.
      </p>
      {confirm && (
        <ConfirmDelete
          target={confirm}
          onCancel={() => setConfirm(null)}
          onConfirm={() => remove(confirm.key, confirm.set)}
        />
      )}
    </section>
  );
}
