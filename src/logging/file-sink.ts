// Per-server log files (logs/<stack>/<server>.log) with size-based rotation, so one chatty server
// cannot fill the disk and `gridctl logs --server` has a file of its own to read.
import { createWriteStream, mkdirSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { LogEntry, LogSink } from './logger.js';

export interface RotationOptions {
  maxBytes?: number;
  backups?: number;
}

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
  const files = new Map<string, { stream: WriteStream; size: number; path: string }>();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const open = (server: string) => {
    const path = join(dir, `${server}.log`);
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // new file
    }
    const f = { stream: createWriteStream(path, { flags: 'a', mode: 0o600 }), size, path };
    files.set(server, f);
    return f;
  };
  return (e) => {
    if (!e.server) return;
    let f = files.get(e.server) ?? open(e.server);
    const line = format(e);
    if (f.size + line.length > maxBytes && f.size > 0) {
      f.stream.end();
      rotate(f.path, backups);
      f = open(e.server);
    }
    f.stream.write(line);
    f.size += Buffer.byteLength(line);
  };
}
