import { describe, expect, it } from 'vitest';
import { callCtx, recordingNext, textOf } from '../test-context.js';
import { codeMode, search } from './code-mode.js';
import { checkUrl, refusedAddress } from './fetch.js';

const TOOLS = [
  { name: 'a__read', description: 'Read a file', inputSchema: { type: 'object', properties: { path: {} } } },
  { name: 'b__sum', description: 'Add numbers', inputSchema: { type: 'object', properties: { first: {} } } },
];

describe('search', () => {
  it('matches name, description and parameter names, case-insensitively', () => {
    expect(search(TOOLS, 'READ')).toMatch(/^Found 1 tool\(s\) matching 'READ' \(out of 2 total\):\n/);
    expect(search(TOOLS, 'numbers')).toContain('"b__sum"');
    expect(search(TOOLS, 'PATH')).toContain('"a__read"');
    expect(search(TOOLS, '')).toMatch(/^Found 2 tool\(s\) \(out of 2 total\):/);
    expect(search(TOOLS, 'nothing')).toMatch(/^Found 0 tool\(s\)/);
  });
});

describe('fetch address rules', () => {
  it('refuses loopback, private, link-local, reserved and mapped addresses; allows public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.9.8.7',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
    ]) {
      expect(refusedAddress(a), a).toBeDefined();
    }
    for (const a of ['93.184.216.34', '2606:4700::1111', '8.8.8.8'])
      expect(refusedAddress(a), a).toBeUndefined();
  });

  it('refuses a non-https URL and a literal private address before any connection', () => {
    expect(() => checkUrl('http://example.com')).toThrow('only https:// URLs are allowed, not http://');
    expect(() => checkUrl('file:///etc/passwd')).toThrow('not file://');
    expect(() => checkUrl('https://[::1]/')).toThrow(/loopback/);
    expect(checkUrl('https://example.com/x').hostname).toBe('example.com');
  });
});

describe('codeMode interceptor', () => {
  const next = recordingNext();
  const handler = codeMode(
    { timeoutMs: 2000, memoryBytes: 16 * 1024 * 1024 },
    {
      universe: () => TOOLS,
      call: async (_outer, params) => ({
        content: [{ type: 'text', text: JSON.stringify({ called: params.name, args: params.arguments }) }],
      }),
    },
  )(next);

  it('passes direct and inner calls on', async () => {
    expect(textOf(await handler(callCtx({ name: 'a__read' })))).toBe('ran a__read');
    expect(textOf(await handler(callCtx({ name: 'execute', inner: true })))).toBe('ran execute');
    expect(next.calls).toHaveLength(2);
  });

  it('answers execute with the script value, inner results parsed as JSON', async () => {
    const r = await handler(
      callCtx({
        name: 'execute',
        params: {
          name: 'execute',
          arguments: { code: `(async () => (await mcp.callTool('a', 'read', { path: 'x' })).args)()` },
        },
      }),
    );
    expect(textOf(r)).toBe('{"path":"x"}');
  });
});
