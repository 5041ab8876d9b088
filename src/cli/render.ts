// Plain-text rendering helpers shared by commands: aligned tables and relative times.

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/**
 * The stderr tail of every server that is not serving, as indented blocks after a table; '' when
 * none has one. Control characters are shown escaped so a server cannot drive the terminal.
 */
export function stderrTails(servers: { name: string; state: string; stderr?: string[] }[]): string {
  const visible = (line: string) =>
    line.replace(/\p{Cc}/gu, (c) => (c === '\t' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return servers
    .filter((s) => s.stderr?.length && s.state !== 'healthy')
    .map((s) => `\n${s.name}: last stderr lines\n${s.stderr!.map((l) => `  | ${visible(l)}\n`).join('')}`)
    .join('');
}
