// The shape every catalogue table shares. A code means one thing wherever it appears: its entry
// says what (summary, or the message template where the catalogue writes the message itself) and,
// where it travels as one, its JSON-RPC code or HTTP status.
export type Severity = 'error' | 'warning' | 'info';

export interface CodeEntry {
  /** One line for docs/errors.md: when the code is given. */
  summary: string;
  /** Issues (config, skill files) and warnings: how bad it is. */
  severity?: Severity;
  /** The HTTP status an API answer with this code has. */
  http?: number;
}
