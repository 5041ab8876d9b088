// The last lines a server wrote to stderr, kept so a server that fails says why (status, API, UI,
// apply summary) without a trip to the log file. Bounded in lines and in bytes: a server that
// floods stderr costs at most MAX_BYTES per replica.
export const TAIL_LINES = 20;
export const TAIL_BYTES = 4096;
/** One line longer than this is cut (with a marker) so one huge line cannot push out the rest. */
const LINE_CHARS = 1024;

export class StderrTail {
  private lines: string[] = [];
  private bytes = 0;

  push(line: string): void {
    const text = line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}… [cut]` : line;
    if (text.trim() === '') return;
    this.lines.push(text);
    this.bytes += Buffer.byteLength(text);
    while (this.lines.length > TAIL_LINES || (this.bytes > TAIL_BYTES && this.lines.length > 1)) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!);
    }
  }

  /** Oldest first. */
  snapshot(): string[] {
    return [...this.lines];
  }
}
