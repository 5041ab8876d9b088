// Link and unlink: put the gateway's entry into a client's config file, or take it out again.
// Idempotent (an identical entry is "already linked"), never destroys what it did not write (the
// ledger decides; anything else is a conflict unless forced), and can say what it would do without
// writing (dry run), with the file's text before and after.
import { existsSync, readFileSync } from 'node:fs';
import { type ClientEnv, type Dialect, type Target, targetOf } from './dialects.js';
import { LinkError } from './errors.js';
import { writeAtomic } from './files.js';
import { editEntry, entriesOf, FormatError, parseDoc, sameData } from './formats.js';
import { entryHash, type Ledger } from './ledger.js';

export interface LinkOptions {
  port: number;
  /** Host in the URL (default localhost). */
  host?: string;
  /** Entry name (default gridctl, or gridctl-<group>). */
  name?: string;
  group?: string;
  clientId?: string;
  force?: boolean;
  dryRun?: boolean;
}

export type LinkAction =
  | 'linked'
  | 'updated'
  | 'replaced'
  | 'already'
  | 'unlinked'
  | 'not-linked'
  | 'conflict';

export interface LinkOutcome {
  client: string;
  clientName: string;
  file: string;
  name: string;
  url: string;
  action: LinkAction;
  /** Why a conflict is one. */
  message?: string;
  /** The file's text before and after (after = before when nothing changes). */
  before: string;
  after: string;
  backup?: string;
  droppedComments?: boolean;
  note?: string;
  dryRun: boolean;
}

export function gatewayUrl(opts: Pick<LinkOptions, 'port' | 'host' | 'group' | 'clientId'>): string {
  const path = opts.group ? `/groups/${encodeURIComponent(opts.group)}/mcp` : '/mcp';
  const query = opts.clientId ? `?client=${encodeURIComponent(opts.clientId)}` : '';
  return `http://${opts.host ?? 'localhost'}:${opts.port}${path}${query}`;
}

export function entryName(opts: Pick<LinkOptions, 'name' | 'group'>): string {
  return opts.name ?? (opts.group ? `gridctl-${opts.group}` : 'gridctl');
}

function readTarget(t: Target): { text: string; doc: Record<string, unknown> } {
  const text = existsSync(t.file) ? readFileSync(t.file, 'utf8') : '';
  try {
    return { text, doc: parseDoc(text, t.format) };
  } catch (err) {
    if (err instanceof FormatError) {
      throw new LinkError(
        'LINK_UNREADABLE',
        `${t.file}: ${err.message}; fix the file (or move it away) and retry`,
      );
    }
    throw err;
  }
}

export function link(d: Dialect, ce: ClientEnv, ledger: Ledger, opts: LinkOptions): LinkOutcome {
  const target = targetOf(d, ce);
  const name = entryName(opts);
  const url = gatewayUrl(opts);
  const { text, doc } = readTarget(target);
  const planned = target.entry(url, name);
  const current = entriesOf(doc, target.key, target.container).get(name);
  const rec = ledger.find(target.file, name);
  const base = {
    client: d.slug,
    clientName: d.name,
    file: target.file,
    name,
    url,
    before: text,
    dryRun: opts.dryRun === true,
    note: d.note,
  };
  let action: LinkAction = 'linked';
  if (current !== undefined) {
    if (sameData(current, planned)) {
      // Identical to what gridctl writes: adopt it, so a later unlink may remove it.
      if (!opts.dryRun && rec?.hash !== entryHash(planned)) record(ledger, d, target, name, url, planned);
      return { ...base, action: 'already', after: text, note: undefined };
    }
    const ours = rec !== undefined && rec.hash === entryHash(current);
    if (!ours && !opts.force) {
      return {
        ...base,
        action: 'conflict',
        after: text,
        note: undefined,
        message: `${target.file} already has an entry "${name}" that ${rec ? 'was edited since gridctl wrote it' : 'gridctl did not write'}; pass --force to replace it, or -n NAME to link under another name`,
      };
    }
    action = ours ? 'updated' : 'replaced';
  }
  const edit = editEntry(text, target.format, target.key, target.container, name, planned);
  if (opts.dryRun) return { ...base, action, after: edit.text, droppedComments: edit.droppedComments };
  const backup = writeAtomic(target.file, edit.text);
  record(ledger, d, target, name, url, planned);
  return { ...base, action, after: edit.text, backup, droppedComments: edit.droppedComments };
}

function record(ledger: Ledger, d: Dialect, t: Target, name: string, url: string, entry: unknown) {
  ledger.record({
    client: d.slug,
    file: t.file,
    name,
    hash: entryHash(entry),
    url,
    linked_at: new Date().toISOString(),
  });
}

export function unlink(
  d: Dialect,
  ce: ClientEnv,
  ledger: Ledger,
  opts: Pick<LinkOptions, 'name' | 'group' | 'force' | 'dryRun'>,
): LinkOutcome {
  const name = entryName(opts);
  // The file gridctl wrote to, if it recorded one; else the file the client uses now.
  const candidates = d.targets(ce);
  const target = candidates.find((t) => ledger.find(t.file, name) && existsSync(t.file)) ?? targetOf(d, ce);
  const { text, doc } = readTarget(target);
  const current = entriesOf(doc, target.key, target.container).get(name);
  const rec = ledger.find(target.file, name);
  const base = {
    client: d.slug,
    clientName: d.name,
    file: target.file,
    name,
    url: rec?.url ?? '',
    before: text,
    dryRun: opts.dryRun === true,
  };
  if (current === undefined) {
    if (!opts.dryRun && rec) ledger.forget(target.file, name);
    return { ...base, action: 'not-linked', after: text };
  }
  const ours = rec !== undefined && rec.hash === entryHash(current);
  if (!ours && !opts.force) {
    return {
      ...base,
      action: 'conflict',
      after: text,
      message: `${target.file}: the entry "${name}" ${rec ? 'was edited since gridctl wrote it' : 'was not written by gridctl'}; pass --force to remove it anyway`,
    };
  }
  const edit = editEntry(text, target.format, target.key, target.container, name, undefined);
  if (opts.dryRun)
    return { ...base, action: 'unlinked', after: edit.text, droppedComments: edit.droppedComments };
  const backup = writeAtomic(target.file, edit.text);
  ledger.forget(target.file, name);
  return { ...base, action: 'unlinked', after: edit.text, backup, droppedComments: edit.droppedComments };
}

/** Whether the client's file has the entry now, and whether gridctl's ledger owns it as it is. */
export function linkState(
  d: Dialect,
  ce: ClientEnv,
  ledger: Ledger,
  name = 'gridctl',
): { file: string; linked: boolean; owned: boolean; url?: string } {
  const target = targetOf(d, ce);
  try {
    const { doc } = readTarget(target);
    const current = entriesOf(doc, target.key, target.container).get(name);
    const rec = ledger.find(target.file, name);
    return {
      file: target.file,
      linked: current !== undefined,
      owned: current !== undefined && rec?.hash === entryHash(current),
      url: current !== undefined ? rec?.url : undefined,
    };
  } catch {
    return { file: target.file, linked: false, owned: false };
  }
}
