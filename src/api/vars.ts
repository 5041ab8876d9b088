// Variable-store routes for the web UI's Variables view (docs/variables.md, docs/api.md):
//   GET    /api/var                  {locked, exists, file, readable, reveal, message?, scopes:[{set, keys}]}
//                                   names only, never values
//   GET    /api/var/<KEY>?set=NAME   {key, set, value}: only when the gateway has inbound auth
//   PUT    /api/var/<KEY>?set=NAME   body {value} → {key, set, created}
//   DELETE /api/var/<KEY>?set=NAME   → {deleted, set}
//
// Security decisions:
// - Revealing a value over HTTP is allowed only when the gateway has `gateway.auth`. Without it any
//   local process (any user's, any browser tab's fetch through a rebinding trick the Host check
//   misses) could read the secrets of a locked store through the daemon, which holds the
//   passphrase. Without auth, reveal answers 403 saying how to enable it.
// - Writes get the same cross-site / DNS-rebinding checks as the Spec view's writes (checkWrite:
//   application/json body, loopback or allowed Host, same-origin or loopback Origin).
// - The store is opened per request (`gridctl var` in another process may have changed it), with
//   GRIDCTL_VAULT_PASSPHRASE from the daemon's environment; opens are serialised so at most one
//   scrypt derivation (128 MiB) runs at a time.
// - After every write the logger's redactor is rebuilt so a new value is masked at once. Values
//   this API has seen stay masked until the next reload or restart (a running server may still hold
//   a deleted value), and the redactor the daemon started with is kept underneath.
// - No value ever reaches a log line or an error message: errors name keys and sets only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logging/logger.js';
import {
  assertKey,
  assertSetName,
  isVaultError,
  openVault,
  PASSPHRASE_ENV,
  redactor,
  type Vault,
  vaultFile,
} from '../security/vault/index.js';
import { ApiError, ApiErrorStatus, sendJson, sendRevealed } from './errors.js';
import { appliedStack, checkWrite, readBody } from './stack-edit.js';
import type { StackView } from './view.js';

/** Largest value accepted over HTTP (a token, a key file, a certificate). */
const MAX_VALUE = 64 * 1024;

export interface VarRoutesOptions {
  view: StackView;
  logger: Logger;
  /** GRIDCTL_HOME root: the store is <home>/vault/store.json. */
  home: string | undefined;
  /** The daemon's environment (GRIDCTL_VAULT_PASSPHRASE). */
  env: NodeJS.ProcessEnv;
  /** The gateway enforces inbound auth (gateway.auth): revealing values is allowed. */
  auth: boolean;
  /** The redactor the daemon started with; kept under the one rebuilt after writes. */
  baseRedact?: (text: string) => string;
}

type Route = [
  method: string,
  pattern: RegExp,
  handler: (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void> | void,
];

export const REVEAL_NEEDS_AUTH =
  'revealing values over HTTP needs inbound auth on this gateway: add gateway.auth to the stack ' +
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal stack-file syntax in the hint
  '(type: bearer, token: ${var:GATEWAY_TOKEN}) and restart the stack (gridctl destroy, then gridctl apply), ' +
  'or read the value in a terminal with `gridctl var get KEY`';

/** The store is locked and the daemon cannot open it; answered as 423 vault_locked. */
class Locked extends Error {}

function lockedMessage(code: string): string {
  return code === 'VAULT_BAD_PASSPHRASE'
    ? `the variable store is locked and ${PASSPHRASE_ENV} in this gateway's environment is wrong: restart the stack (gridctl destroy, then gridctl apply) with the right ${PASSPHRASE_ENV}, or use \`gridctl var\` in a terminal`
    : `the variable store is locked and this gateway has no ${PASSPHRASE_ENV} in its environment: restart the stack (gridctl destroy, then gridctl apply) with ${PASSPHRASE_ENV} set, use \`gridctl var\` in a terminal, or remove the passphrase with \`gridctl var unlock\``;
}

export function varRoutes(o: VarRoutesOptions): Route[] {
  const allowedHosts = () => appliedStack(o.view)?.gateway?.allowed_hosts ?? [];
  /** Every value this API has seen in the store; masked until the next reload rebuilds the redactor. */
  const seen = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs fn with a freshly opened store, one request at a time. */
  const withStore = <T>(fn: (vault: Vault) => Promise<T> | T): Promise<T> => {
    const run = queue.then(async () => {
      if (!o.home) throw new ApiError('internal', 'this gateway does not know its GRIDCTL_HOME');
      let vault: Vault;
      try {
        vault = await openVault({ root: o.home, env: o.env });
      } catch (err) {
        if (isVaultError(err, 'VAULT_LOCKED') || isVaultError(err, 'VAULT_BAD_PASSPHRASE'))
          throw new Locked(lockedMessage(err.code));
        if (isVaultError(err)) throw new ApiError('internal', err.message);
        throw err;
      }
      for (const v of vault.allValues()) seen.add(v);
      return fn(vault);
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const refreshRedactor = (vault: Vault) => {
    for (const v of vault.allValues()) seen.add(v);
    const mask = redactor([...seen]);
    const base = o.baseRedact;
    o.logger.setRedactor(base ? (t) => base(mask(t)) : mask);
  };

  const scopeOf = (url: URL): string | undefined => {
    const set = url.searchParams.get('set');
    if (set === null || set === '') return undefined;
    assertSetName(set);
    return set;
  };
  const keyOf = (raw: string | undefined): string => {
    let key: string;
    try {
      key = decodeURIComponent(raw ?? '');
    } catch {
      throw new ApiError('bad_request', 'the variable name in the path is not valid URL encoding');
    }
    assertKey(key);
    return key;
  };
  const where = (key: string, set: string | undefined) => `'${key}'${set ? ` in set '${set}'` : ''}`;

  /** Maps the store's and this module's errors; nothing here carries a value. */
  const handled =
    (fn: Route[2]): Route[2] =>
    async (req, res, url, params) => {
      try {
        await fn(req, res, url, params);
      } catch (err) {
        if (err instanceof Locked) {
          sendJson(res, ApiErrorStatus.vault_locked, {
            error: { code: 'vault_locked', message: err.message },
          });
          return;
        }
        if (isVaultError(err, 'VAULT_INVALID_KEY') || isVaultError(err, 'VAULT_INVALID_SET'))
          throw new ApiError('bad_request', err.message);
        throw err;
      }
    };

  /** checkWrite's refusals of Host/Origin are its own ApiError subclass: answer them as 403. */
  const guardWrite = (req: IncomingMessage, res: ServerResponse): boolean => {
    try {
      checkWrite(req, allowedHosts());
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.constructor !== ApiError) {
        sendJson(res, ApiErrorStatus.forbidden, { error: { code: 'forbidden', message: err.message } });
        return false;
      }
      throw err;
    }
  };

  return [
    [
      'GET',
      /^\/api\/var$/,
      async (_req, res) => {
        const file = o.home ? vaultFile(o.home) : '';
        try {
          const body = await withStore((vault) => ({
            locked: vault.locked,
            exists: vault.exists,
            file: vault.file,
            readable: true,
            reveal: o.auth,
            scopes: [
              { set: null as string | null, keys: vault.keys() },
              ...vault.sets().map((set) => ({ set, keys: vault.keys(set) })),
            ],
          }));
          sendJson(res, 200, body);
        } catch (err) {
          if (!(err instanceof Locked)) throw err;
          sendJson(res, 200, {
            locked: true,
            exists: true,
            file,
            readable: false,
            reveal: o.auth,
            message: err.message,
            scopes: [],
          });
        }
      },
    ],
    [
      'GET',
      /^\/api\/var\/([^/]+)$/,
      handled(async (_req, res, url, [raw]) => {
        const key = keyOf(raw);
        const set = scopeOf(url);
        if (!o.auth) throw new ApiError('forbidden', REVEAL_NEEDS_AUTH);
        const value = await withStore((vault) => vault.get(key, set));
        if (value === undefined) throw new ApiError('not_found', `no variable ${where(key, set)}`);
        sendRevealed(res, 200, { key, set: set ?? null, value }); // the one answer meant to carry a value
      }),
    ],
    [
      'PUT',
      /^\/api\/var\/([^/]+)$/,
      handled(async (req, res, url, [raw]) => {
        if (!guardWrite(req, res)) return;
        const key = keyOf(raw);
        const set = scopeOf(url);
        const body = await readBody(req, MAX_VALUE * 7 + 1024);
        const value = body.value;
        if (typeof value !== 'string' || value === '')
          throw new ApiError('bad_request', 'expected {"value": "<non-empty string>"}');
        if (value.length > MAX_VALUE)
          throw new ApiError('bad_request', `the value is longer than ${MAX_VALUE} characters`);
        const created = await withStore(async (vault) => {
          const created = vault.get(key, set) === undefined;
          vault.set(key, value, set);
          await vault.save();
          refreshRedactor(vault);
          return created;
        });
        o.logger.info(`variable ${where(key, set)} ${created ? 'created' : 'changed'} through the API`);
        sendJson(res, 200, { key, set: set ?? null, created });
      }),
    ],
    [
      'DELETE',
      /^\/api\/var\/([^/]+)$/,
      handled(async (req, res, url, [raw]) => {
        if (!guardWrite(req, res)) return;
        const key = keyOf(raw);
        const set = scopeOf(url);
        const deleted = await withStore(async (vault) => {
          if (!vault.delete(key, set)) return false;
          await vault.save();
          refreshRedactor(vault);
          return true;
        });
        if (!deleted) throw new ApiError('not_found', `no variable ${where(key, set)}`);
        o.logger.info(`variable ${where(key, set)} deleted through the API`);
        sendJson(res, 200, { deleted: key, set: set ?? null });
      }),
    ],
  ];
}
