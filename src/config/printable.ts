// Text from a stack file shown back to a person (issue messages, field paths, source excerpts) may
// hold anything the file held. Control characters would drive the terminal (colours, cursor moves,
// a bell), bidi controls would reorder what is shown, and U+FFFD marks bytes that were not UTF-8:
// each is written as a visible escape instead.
const UNPRINTABLE = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]/gu;
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\ufffd': '\\ufffd' };

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (ch) => {
    const named = NAMED[ch];
    if (named) return named;
    const cp = ch.codePointAt(0)!;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}
