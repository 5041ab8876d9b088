// Writing a client's config file safely: a timestamped backup of what was there (the newest 3
// kept), then a temp file in the same folder renamed over the original, so a crash leaves either
// the old file or the new one, never half of one. The file's mode is kept.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const BACKUPS_KEPT = 3;
const BACKUP_MARK = '.gridctl-backup-';

/** `20261202-143005` in UTC. */
function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Writes `text` to `file` atomically; returns the backup's path when there was a file to back up. */
export function writeAtomic(file: string, text: string, opts: { backup?: boolean } = {}): string | undefined {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  let mode = 0o600;
  let backup: string | undefined;
  const old = statOf(file);
  if (old) {
    mode = old.mode & 0o777;
    if (opts.backup !== false) {
      backup = uniqueBackup(file);
      copyFileSync(file, backup);
      pruneBackups(file);
    }
  }
  const tmp = join(dir, `.${basename(file)}.gridctl-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return backup;
}

function statOf(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function uniqueBackup(file: string): string {
  const base = `${file}${BACKUP_MARK}${stamp()}`;
  if (!statOf(base)) return base;
  for (let i = 1; ; i++) if (!statOf(`${base}-${i}`)) return `${base}-${i}`;
}

/** The backups of `file`, oldest first. */
export function backupsOf(file: string): string[] {
  const prefix = `${basename(file)}${BACKUP_MARK}`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix))
    .sort((a, b) => {
      const [sa, sb] = [a.slice(prefix.length), b.slice(prefix.length)];
      const [ta, na] = splitSuffix(sa);
      const [tb, nb] = splitSuffix(sb);
      return ta === tb ? na - nb : ta < tb ? -1 : 1;
    })
    .map((n) => join(dirname(file), n));
}

function splitSuffix(s: string): [string, number] {
  const m = /^(\d{8}-\d{6})(?:-(\d+))?$/.exec(s);
  return m ? [m[1]!, Number(m[2] ?? 0)] : [s, 0];
}

function pruneBackups(file: string): void {
  const all = backupsOf(file);
  for (const old of all.slice(0, Math.max(0, all.length - BACKUPS_KEPT))) rmSync(old, { force: true });
}
