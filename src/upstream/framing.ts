// Newline-delimited framing over a byte stream. Chunks are kept as-is until a newline arrives, so a
// message of many megabytes costs one concatenation, not one per chunk. Splitting on the byte 0x0A
// is UTF-8 safe: it never occurs inside a multi-byte sequence.
export class LineSplitter {
  private parts: Buffer[] = [];

  constructor(private readonly onLine: (line: Buffer) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      let line = chunk.subarray(start, nl);
      if (this.parts.length > 0) {
        this.parts.push(line);
        line = Buffer.concat(this.parts);
        this.parts = [];
      }
      start = nl + 1;
      this.onLine(line);
    }
    if (start < chunk.length) this.parts.push(start === 0 ? chunk : chunk.subarray(start));
  }

  /** Whatever is left without a final newline (emitted at end of stream). */
  flush(): void {
    if (this.parts.length === 0) return;
    const line = Buffer.concat(this.parts);
    this.parts = [];
    this.onLine(line);
  }
}

/**
 * One stdout line of a stdio server (local, SSH or container): a JSON-RPC message goes to `deliver`;
 * anything else (banners some servers print) goes to `log`, without breaking the session.
 */
export function deliverStdioLine(
  line: Buffer,
  deliver: (msg: unknown) => void,
  log?: (text: string) => void,
): void {
  if (line.length === 0 || (line.length === 1 && line[0] === 0x0d)) return;
  let msg: unknown;
  try {
    msg = JSON.parse(line.toString('utf8'));
  } catch {
    log?.(`stdout: ${line.toString('utf8', 0, Math.min(line.length, 1000)).trimEnd()}`);
    return;
  }
  deliver(msg);
}
