// The call-path error catalogue and docs/gateway.md's table list the same codes, the same way, with
// the same message templates: a code cannot be added, renamed or reworded in one place only.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CALL_ERRORS,
  callError,
  ERROR_META_KEY,
  formatMessage,
  rpcError,
} from '../../src/errors/catalogue.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/gateway.md'), 'utf8');

function documented(): Map<string, { as: string; rpc: string; message: string }> {
  const start = doc.indexOf('<!-- error-codes:start -->');
  const end = doc.indexOf('<!-- error-codes:end -->');
  expect(start, 'docs/gateway.md has the error-codes table').toBeGreaterThan(0);
  const rows = new Map<string, { as: string; rpc: string; message: string }>();
  for (const line of doc.slice(start, end).split('\n')) {
    const m = /^\| `([A-Z_]+)`\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (m) rows.set(m[1] as string, { as: m[2] as string, rpc: m[3] as string, message: m[4] as string });
  }
  return rows;
}

describe('call error catalogue', () => {
  it('matches docs/gateway.md row for row', () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual(Object.keys(CALL_ERRORS).sort());
    for (const [code, e] of Object.entries(CALL_ERRORS)) {
      const row = rows.get(code)!;
      expect(row.as, code).toBe(e.as === 'result' ? '`isError`' : 'JSON-RPC');
      expect(row.rpc, code).toBe('rpc' in e ? String(e.rpc) : '—');
      expect(row.message, code).toBe(e.message);
    }
  });

  it('isError results carry the code in _meta; JSON-RPC errors in data', () => {
    const r = callError('RATE_LIMITED', { scope: 'tool', key: 'a__b', rate: 6, retry: 10 });
    expect(r).toEqual({
      content: [
        { type: 'text', text: 'Rate limit exceeded for tool "a__b": 6 calls/min. Retry after ~10s.' },
      ],
      isError: true,
      _meta: { [ERROR_META_KEY]: { code: 'RATE_LIMITED' } },
    });
    const e = rpcError('UNKNOWN_TOOL', { tool: 'x' });
    expect(e.code).toBe(-32602);
    expect(e.message).toBe('Unknown tool: x');
    expect(e.data).toMatchObject({ code: 'UNKNOWN_TOOL' });
  });

  it('leaves a placeholder visible when a field is missing rather than printing "undefined"', () => {
    expect(formatMessage('SERVER_UNAVAILABLE', {})).toBe('Error: {reason}');
  });
});
