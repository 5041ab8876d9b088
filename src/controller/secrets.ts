// The variable store as apply, reload and plan see it: `${var:KEY}` resolves from the store first,
// `secrets.sets` inject a set's keys as env into the workloads they name, and every stored value
// is known to the redactor.
import { existsSync } from 'node:fs';
import { type LoadResult, loadStack, type Stack, type VariableResolver } from '../config/index.js';
import {
  isVaultError,
  openVault,
  redactor,
  resolverFor,
  type Vault,
  vaultFile,
} from '../security/vault/index.js';
import type { HomePaths } from '../state/paths.js';

export interface RunLoad {
  loaded: LoadResult;
  /** Masks every value of the store; identity when there is no store. */
  redact: (text: string) => string;
}

export class SecretsError extends Error {}

/** Loads a stack the way apply and reload must: store-backed expansion plus secret-set injection. */
export async function loadForRun(file: string, env: NodeJS.ProcessEnv, paths: HomePaths): Promise<RunLoad> {
  const vault = await openStore(paths, env);
  let injectError: string | undefined;
  const loaded = await loadStack(file, {
    mode: 'apply',
    env,
    resolver: vault ? resolverFor(vault) : undefined,
    injectSecrets: (stack) => {
      injectError = injectSets(stack, vault);
    },
  });
  if (injectError) {
    loaded.ok = false;
    loaded.issues.push({
      severity: 'error',
      code: 'SECRET_SET_MISSING',
      field: 'secrets.sets',
      message: injectError,
      file,
    });
  }
  return { loaded, redact: vault ? redactor(vault.allValues()) : (t) => t };
}

/** `${var:KEY}` lookups for values resolved late (e.g. a git credential at clone time). */
export async function storeResolver(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<VariableResolver | undefined> {
  const vault = await openStore({ root }, env);
  return vault ? resolverFor(vault) : undefined;
}

async function openStore(paths: Pick<HomePaths, 'root'>, env: NodeJS.ProcessEnv): Promise<Vault | undefined> {
  if (!existsSync(vaultFile(paths.root))) return undefined;
  try {
    return await openVault({ root: paths.root, env });
  } catch (err) {
    if (isVaultError(err)) throw new SecretsError(`variable store: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * Adds each listed set's keys to the env of the servers and resources it names (all of them for a
 * bare name). Explicit `env` keys win; among sets, the first that supplies a key wins.
 * Returns an error message when a set is missing from the store.
 */
export function injectSets(stack: Stack, vault: Vault | undefined): string | undefined {
  const entries = stack.secrets?.sets ?? [];
  if (entries.length === 0) return undefined;
  const missing: string[] = [];
  const injected = new Map<object, Record<string, string>>();
  for (const entry of entries) {
    const name = typeof entry === 'string' ? entry : entry.name;
    const values = vault?.setValues(name) ?? {};
    if (Object.keys(values).length === 0) {
      missing.push(name);
      continue;
    }
    const scoped = typeof entry !== 'string';
    const servers = stack['mcp-servers'].filter((s) => !scoped || (entry.servers ?? []).includes(s.name));
    const resources = (stack.resources ?? []).filter(
      (r) => !scoped || (entry.resources ?? []).includes(r.name),
    );
    for (const workload of [...servers, ...resources]) {
      const acc = injected.get(workload) ?? {};
      for (const [k, v] of Object.entries(values)) if (!(k in acc)) acc[k] = v;
      injected.set(workload, acc);
    }
  }
  for (const [workload, values] of injected) {
    const w = workload as { env?: Record<string, string> };
    w.env = { ...values, ...w.env };
  }
  if (missing.length === 0) return undefined;
  return `secret set(s) ${missing.map((m) => `'${m}'`).join(', ')} not found in the variable store; add keys with \`gridctl var set --set ${missing[0]} KEY\``;
}
