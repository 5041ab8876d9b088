// The stack's `link:` block: clients linked after a healthy apply and unlinked by `destroy --unlink`.
// Additive and careful, as a declaration should be: an undetected client is skipped with a warning,
// an entry gridctl does not own is left alone (a warning, never --force), and apply never unlinks.
import type { Stack } from '../config/schema.js';
import { type ClientEnv, detected, dialectOf } from './dialects.js';
import { Ledger } from './ledger.js';
import { type LinkOutcome, link, unlink } from './linker.js';

export interface DeclaredLink {
  client: string;
  group?: string;
  client_id?: string;
  name?: string;
}

export function declaredLinks(stack: Pick<Stack, 'link'>): DeclaredLink[] {
  return (stack.link ?? []).map((e) => (typeof e === 'string' ? { client: e } : e));
}

export type DeclaredOutcome =
  | { kind: 'done'; outcome: LinkOutcome }
  | { kind: 'skipped'; client: string; reason: string };

export function reconcileLinks(
  stack: Pick<Stack, 'link'>,
  ce: ClientEnv,
  home: string,
  at: { port: number; host?: string; dryRun?: boolean },
): DeclaredOutcome[] {
  const ledger = Ledger.open(home);
  return declaredLinks(stack).map((l): DeclaredOutcome => {
    const d = dialectOf(l.client);
    if (!d) return { kind: 'skipped', client: l.client, reason: 'not a client gridctl knows' };
    if (!detected(d, ce))
      return { kind: 'skipped', client: l.client, reason: `${d.name} is not installed here` };
    try {
      const outcome = link(d, ce, ledger, { ...at, group: l.group, clientId: l.client_id, name: l.name });
      return { kind: 'done', outcome };
    } catch (err) {
      return { kind: 'skipped', client: l.client, reason: (err as Error).message };
    }
  });
}

export function unlinkDeclared(stack: Pick<Stack, 'link'>, ce: ClientEnv, home: string): DeclaredOutcome[] {
  const ledger = Ledger.open(home);
  return declaredLinks(stack).map((l): DeclaredOutcome => {
    const d = dialectOf(l.client);
    if (!d) return { kind: 'skipped', client: l.client, reason: 'not a client gridctl knows' };
    try {
      return { kind: 'done', outcome: unlink(d, ce, ledger, { group: l.group, name: l.name }) };
    } catch (err) {
      return { kind: 'skipped', client: l.client, reason: (err as Error).message };
    }
  });
}

/** One line per declared link, for apply's and destroy's output. */
export function describeDeclared(results: DeclaredOutcome[]): { line: string; warn: boolean }[] {
  return results.map((r) => {
    if (r.kind === 'skipped') return { line: `link ${r.client}: skipped (${r.reason})`, warn: true };
    const o = r.outcome;
    const would = o.dryRun ? 'would be ' : '';
    const what: Record<string, string> = {
      linked: `${would}linked: ${o.name} → ${o.url} in ${o.file}`,
      updated: `${would}updated: ${o.name} → ${o.url} in ${o.file}`,
      replaced: `${would}replaced: ${o.name} → ${o.url} in ${o.file}`,
      already: `already linked (${o.file})`,
      unlinked: `unlinked: removed ${o.name} from ${o.file}`,
      'not-linked': 'not linked; nothing to remove',
      conflict: `left alone: ${o.message ?? ''}`,
    };
    return { line: `link ${o.client}: ${what[o.action]}`, warn: o.action === 'conflict' };
  });
}
