// Which client entries gridctl wrote: config file, entry name and a hash of the entry as written.
// Unlink removes only entries recorded here whose content still hashes the same, so an entry the
// user wrote or edited by hand is never deleted without --force. Kept in <home>/links.json.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coded } from '../errors/coded.js';
import { writeAtomic } from './files.js';
import { canonical } from './formats.js';

export interface LinkRecord {
  client: string;
  file: string;
  name: string;
  /** sha256 of the entry's canonical JSON. */
  hash: string;
  url: string;
  linked_at: string;
}

interface LedgerFile {
  version: 1;
  links: LinkRecord[];
}

export function ledgerFile(root: string): string {
  return join(root, 'links.json');
}

export function entryHash(entry: unknown): string {
  return createHash('sha256').update(canonical(entry)).digest('hex');
}

export class Ledger {
  private constructor(
    private readonly file: string,
    private links: LinkRecord[],
  ) {}

  static open(root: string): Ledger {
    const file = ledgerFile(root);
    let links: LinkRecord[] = [];
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<LedgerFile>;
      if (Array.isArray(data.links)) links = data.links;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw coded(
          'LINK_LEDGER_UNREADABLE',
          `${file}: cannot read the link ledger (${(err as Error).message}); move it away to start afresh`,
        );
      }
    }
    return new Ledger(file, links);
  }

  find(file: string, name: string): LinkRecord | undefined {
    return this.links.find((l) => l.file === file && l.name === name);
  }

  all(): readonly LinkRecord[] {
    return this.links;
  }

  record(r: LinkRecord): void {
    this.links = [...this.links.filter((l) => !(l.file === r.file && l.name === r.name)), r];
    this.save();
  }

  forget(file: string, name: string): void {
    const before = this.links.length;
    this.links = this.links.filter((l) => !(l.file === file && l.name === name));
    if (this.links.length !== before) this.save();
  }

  private save(): void {
    const body: LedgerFile = { version: 1, links: this.links };
    writeAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`, { backup: false });
  }
}
