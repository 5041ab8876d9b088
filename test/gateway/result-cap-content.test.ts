// The result cap on what cannot be cut, through a real gateway on server-everything's real results:
// an image and an embedded resource over the cap become notes naming them, an oversize
// structuredContent is dropped with a note, and the text around them stays.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type Item = { type: string; text?: string; data?: string; mimeType?: string };
const CAP = 40;

describe('result cap on images, resources and structuredContent', () => {
  let gw: RunningGateway;
  let client: Client;

  beforeAll(async () => {
    gw = await startGateway([spec('every', stdio(everythingStdioCommand()))], {
      policies: { maxToolResultBytes: CAP },
    });
    client = await connectStreamable(gw.url);
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
  });

  const call = async (name: string, args: Record<string, unknown> = {}) =>
    // client.request, not callTool: these assertions are about what the gateway sent.
    (await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema))
      .content as Item[];

  it('replaces an image over the cap by a note naming its type, MIME type and size', async () => {
    const content = await call('every__get-tiny-image');
    expect(content.map((c) => c.type)).toEqual(['text', 'text', 'text']);
    expect(content[0]!.text).toBe("Here's the image you requested:");
    expect(content[1]!.text).toMatch(
      new RegExp(`^\\[image \\(image/png\\) dropped: \\d{4,} bytes exceeds the ${CAP}-byte result limit\\]$`),
    );
  });

  it('replaces an embedded resource over the cap by a note naming its URI', async () => {
    const content = await call('every__get-resource-reference', { resourceType: 'Blob', resourceId: 2 });
    expect(content[1]!.text).toMatch(
      /^\[resource demo:\/\/resource\/dynamic\/blob\/2 \(text\/plain\) dropped: \d+ bytes exceeds the 40-byte result limit\]$/,
    );
  });

  it('drops an oversize structuredContent with a note and cuts its text with the marker', async () => {
    const result = await client.request(
      {
        method: 'tools/call',
        params: { name: 'every__get-structured-content', arguments: { location: 'New York' } },
      },
      CallToolResultSchema,
    );
    expect(result.structuredContent).toBeUndefined();
    const texts = (result.content as Item[]).map((c) => c.text ?? '');
    expect(texts[0]).toMatch(
      new RegExp(`^\\{"temperature".* \\[truncated: \\d+ bytes, showing first ${CAP} bytes\\]$`),
    );
    expect(texts.at(-1)).toMatch(
      new RegExp(`^\\[structuredContent dropped: \\d+ bytes exceeds the ${CAP}-byte result limit\\]$`),
    );
    expect(result.isError).toBe(true);
    // An error result may omit structuredContent, so the SDK's callTool, which checks results
    // against the tool's outputSchema once it has listed the tools, accepts it.
    await client.listTools();
    const viaCallTool = await client.callTool({
      name: 'every__get-structured-content',
      arguments: { location: 'New York' },
    });
    expect(viaCallTool.isError).toBe(true);
  });
});
