// A small Server-Sent Events parser (WHATWG event-stream format) shared by the streamable HTTP and
// legacy SSE clients. Partial lines are kept as pieces and joined once, so a multi-megabyte `data:`
// line costs one concatenation.
export interface SseEvent {
  /** `message` when the stream names none. */
  event: string;
  data: string;
  id?: string;
  retry?: number;
}

export class SseParser {
  private pieces: string[] = [];
  private skipLeadingLF = false;
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private retry: number | undefined;
  private sawField = false;
  // Per instance: a global regex carries state (lastIndex) between uses.
  private readonly lineBreak = /\r\n|\r|\n/g;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(text: string): void {
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    this.lineBreak.lastIndex = 0;
    let start = 0;
    for (let m = this.lineBreak.exec(text); m; m = this.lineBreak.exec(text)) {
      // A CR ending the chunk may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && m.index === text.length - 1) this.skipLeadingLF = true;
      const tail = text.slice(start, m.index);
      const line = this.pieces.length > 0 ? this.pieces.join('') + tail : tail;
      this.pieces = [];
      start = this.lineBreak.lastIndex;
      this.line(line);
    }
    if (start < text.length) this.pieces.push(text.slice(start));
  }

  private line(line: string): void {
    if (line === '') {
      if (this.sawField) {
        const e: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.id !== undefined) e.id = this.id;
        if (this.retry !== undefined) e.retry = this.retry;
        this.data = [];
        this.event = '';
        this.retry = undefined;
        this.sawField = false;
        this.onEvent(e);
      }
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    this.sawField = true;
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
    }
  }
}

/** Read an event stream to its end, calling `onEvent` for each event. Rejects on a read error. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: SseEvent) => void,
): Promise<void> {
  const parser = new SseParser(onEvent);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
