// Per-server log files (logs/<stack>/<server>.log) with size-based rotation, so one chatty server
// cannot fill the disk and `gridctl logs --server` has a file of its own to read.
// A file that cannot be opened, written or rotated (no space, a directory in the way, a name too
// long) must never take the daemon down: that server's file is given up, once, with a coded warning,
// and its lines still reach the daemon log and the API.
import {
  createWriteStream,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { join } from 'node:path';
import type { RuntimeErrorCode } from '../errors/runtime.js';
import { fileNameFor } from '../state/paths.js';
import { formatText, type LogEntry, type LogSink } from './logger.js';

export interface RotationOptions {
  maxBytes?: number;
  backups?: number;
  /** Where the one warning about a file given up goes (default: stderr, the daemon log). */
  onError?: (line: string) => void;
}

/** The code on the warning when a server's log file is given up. */
export const LOG_FILE_UNWRITABLE = 'LOG_FILE_UNWRITABLE' satisfies RuntimeErrorCode;

/** Keeps `file` under maxBytes by shifting it to file.1 … file.N (oldest dropped). */
export function rotate(file: string, backups: number): void {
  rmSync(`${file}.${backups}`, { force: true });
  for (let i = backups - 1; i >= 1; i--) {
    try {
      renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    } catch {
      // that backup does not exist yet
    }
  }
  try {
    renameSync(file, `${file}.1`);
  } catch {
    // nothing to rotate
  }
}

export function perServerFileSink(
  dir: string,
  format: (e: LogEntry) => string,
  opts: RotationOptions = {},
): LogSink {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const backups = opts.backups ?? 3;
  const onError = opts.onError ?? ((line: string) => process.stderr.write(line));
  const files = new Map<string, { stream: WriteStream; size: number; path: string } | 'given-up'>();
  const giveUp = (server: string, where: string, err: unknown) => {
    const current = files.get(server);
    if (current === 'given-up') return;
    files.set(server, 'given-up');
    current?.stream.destroy();
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    onError(
      formatText({
        time: new Date().toISOString(),
        level: 'warn',
        msg: `cannot write the log file of server "${server}" (${where}: ${reason}); its lines stay in the daemon log`,
        server,
        code: LOG_FILE_UNWRITABLE,
      }),
    );
  };
  let dirReady: unknown;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    dirReady = err;
  }
  const open = (server: string) => {
    const path = join(dir, fileNameFor('server', server, '.log'));
    if (dirReady) throw dirReady;
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // new file
    }
    const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // Open and write errors arrive later, as events: without this listener they crash the process.
    stream.on('error', (err) => giveUp(server, path, err));
    const f = { stream, size, path };
    files.set(server, f);
    return f;
  };
  return (e) => {
    if (!e.server) return;
    const known = files.get(e.server);
    if (known === 'given-up') return;
    try {
      let f = known ?? open(e.server);
      const line = format(e);
      if (f.size + line.length > maxBytes && f.size > 0) {
        f.stream.end();
        rotate(f.path, backups);
        f = open(e.server);
      }
      f.stream.write(line);
      f.size += Buffer.byteLength(line);
    } catch (err) {
      giveUp(e.server, join(dir, `${e.server}.log`), err);
    }
  };
}

export interface FileSinkOptions {
  /** Rotate when the file would grow past this (0: never). */
  maxBytes: number;
  /** Rotated files kept (file.1 … file.N). */
  backups: number;
  /** Rotated files older than this are removed (0: kept whatever their age). */
  maxAgeDays?: number;
  onError?: (line: string) => void;
}

/** Removes rotated copies of `file` (file.1 … ) older than maxAgeDays. */
export function pruneBackups(file: string, backups: number, maxAgeDays: number | undefined): void {
  if (!maxAgeDays) return;
  const cutoff = Date.now() - maxAgeDays * 86_400_000;
  for (let i = 1; i <= backups; i++) {
    try {
      if (statSync(`${file}.${i}`).mtimeMs < cutoff) rmSync(`${file}.${i}`, { force: true });
    } catch {
      // no such backup
    }
  }
}

/**
 * Lines appended to one file, rotated by size, old copies pruned by age. A file that cannot be
 * written is given up with one coded warning (`what` names it there); writing never throws.
 */
export function rotatingWriter(file: string, what: string, opts: FileSinkOptions): (line: string) => void {
  const onError = opts.onError ?? ((line: string) => process.stderr.write(line));
  let given = false;
  let stream: WriteStream | undefined;
  let size = 0;
  const giveUp = (err: unknown) => {
    if (given) return;
    given = true;
    stream?.destroy();
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    onError(
      formatText({
        time: new Date().toISOString(),
        level: 'warn',
        msg: `cannot write ${what} ${file} (${reason}); its lines are not kept`,
        code: LOG_FILE_UNWRITABLE,
      }),
    );
  };
  const open = () => {
    try {
      size = statSync(file).size;
    } catch {
      size = 0;
    }
    // Opened synchronously, so the file exists at once and a rotation right after finds it.
    stream = createWriteStream(file, { fd: openSync(file, 'a', 0o600) });
    stream.on('error', giveUp);
  };
  return (line) => {
    if (given) return;
    try {
      if (!stream) open();
      if (opts.maxBytes > 0 && size > 0 && size + line.length > opts.maxBytes) {
        stream!.end();
        if (opts.backups > 0) rotate(file, opts.backups);
        else rmSync(file, { force: true });
        pruneBackups(file, opts.backups, opts.maxAgeDays);
        open();
      }
      stream!.write(line);
      size += Buffer.byteLength(line);
    } catch (err) {
      giveUp(err);
    }
  };
}

/** The daemon's own log (logging.file, `apply --log-file`), rotated and pruned like any writer. */
export function fileSink(file: string, format: (e: LogEntry) => string, opts: FileSinkOptions): LogSink {
  const write = rotatingWriter(file, 'the daemon log file', opts);
  return (e) => write(format(e));
}
