// Result caps and output formats through a real gateway, on real results of the npm servers:
// a 200 kB echo is cut with the marker, server-memory's graph arrives as TOON, a directory listing
// of server-filesystem as CSV, and error results pass unconverted.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { decode as decodeToon } from '@toon-format/toon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { tempDir } from '../support/temp.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const BIN = resolve(import.meta.dirname, '../../node_modules/.bin');
type Result = { isError?: boolean; content: Array<{ type: string; text?: string }> };
const textOf = (r: unknown) => ((r as Result).content[0]?.text ?? '') as string;

describe('result caps and output formats', () => {
  let gw: RunningGateway;
  let client: Client;
  let files: string;

  beforeAll(async () => {
    const dir = tempDir('shaping');
    files = join(dir, 'files');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(files);
    for (const n of ['a.txt', 'b, quoted "name".txt', 'c.md']) writeFileSync(join(files, n), n);
    gw = await startGateway(
      [
        spec('every', stdio(everythingStdioCommand()), { tools: ['echo'] }),
        spec(
          'memory',
          stdio([join(BIN, 'mcp-server-memory')], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
        ),
        spec('fs', stdio([join(BIN, 'mcp-server-filesystem'), files])),
      ],
      { policies: { maxToolResultBytes: 65_536, serverFormats: { memory: 'toon', fs: 'csv' } } },
    );
    client = await connectStreamable(gw.url);
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
  });

  it('cuts a 200 kB result at the cap with the marker, as valid UTF-8', async () => {
    const message = 'é'.repeat(100_000); // 2 bytes each: a cut in the middle of a character is possible
    const r = await client.callTool({ name: 'every__echo', arguments: { message } });
    const text = textOf(r);
    const original = Buffer.byteLength(`Echo: ${message}`);
    expect(text).toMatch(new RegExp(`\\[truncated: ${original} bytes, showing first 65536 bytes\\]$`));
    const kept = text.slice(0, text.indexOf(' [truncated:'));
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(65_536);
    expect(kept).not.toContain('\uFFFD');
    expect(kept.startsWith('Echo: éé')).toBe(true);
  });

  it("converts server-memory's JSON graph to TOON that decodes back to the same graph", async () => {
    const entities = [
      { name: 'Ada', entityType: 'person', observations: ['wrote the first program'] },
      { name: 'Grace', entityType: 'person', observations: ['found a moth'] },
    ];
    await client.callTool({ name: 'memory__create_entities', arguments: { entities } });
    const text = textOf(await client.callTool({ name: 'memory__read_graph', arguments: {} }));
    expect(() => JSON.parse(text)).toThrow(); // no longer JSON
    const graph = decodeToon(text) as { entities: { name: string }[] };
    expect(graph.entities.map((e) => e.name)).toEqual(['Ada', 'Grace']);
  });

  it("converts server-filesystem's directory listing to CSV with RFC 4180 quoting", async () => {
    const text = textOf(await client.callTool({ name: 'fs__directory_tree', arguments: { path: files } }));
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('name,type');
    expect(lines).toContain('a.txt,file');
    expect(lines).toContain('"b, quoted ""name"".txt",file');
  });

  it('leaves error results unconverted', async () => {
    const r = (await client.callTool({
      name: 'fs__read_text_file',
      arguments: { path: join(files, 'missing.txt') },
    })) as Result;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/ENOENT|no such file|not found/i);
  });
});
