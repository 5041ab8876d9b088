// The fixture serves the names the conformance suite's server scenarios expect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StdioUpstream } from '../../src/upstream/stdio.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { INIT, recorder } from './recorder.js';

describe('conformance fixture', () => {
  const u = new StdioUpstream('fixture', { command: fixtureStdioCommand(), cwd: process.cwd() });
  const ev = recorder();
  beforeAll(() => u.connect(ev, INIT).then(() => undefined));
  afterAll(() => u.close());

  it('declares the required capabilities', () => {
    expect(u.initResult?.capabilities).toEqual({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    });
  });

  it('lists every contract tool, resource, template and prompt', async () => {
    const names = async (method: string, key: string, field: string) =>
      (((await u.request(method, {})) as Record<string, Record<string, string>[]>)[key] ?? []).map(
        (x) => x[field],
      );
    expect(await names('tools/list', 'tools', 'name')).toEqual(
      expect.arrayContaining([
        'test_simple_text',
        'test_image_content',
        'test_audio_content',
        'test_embedded_resource',
        'test_multiple_content_types',
        'test_tool_with_logging',
        'test_tool_with_progress',
        'test_error_handling',
        'test_sampling',
        'test_elicitation',
        'test_elicitation_sep1034_defaults',
        'test_elicitation_sep1330_enums',
        'json_schema_2020_12_tool',
      ]),
    );
    expect(await names('resources/list', 'resources', 'uri')).toEqual(
      expect.arrayContaining(['test://static-text', 'test://static-binary', 'test://watched-resource']),
    );
    expect(await names('resources/templates/list', 'resourceTemplates', 'uriTemplate')).toEqual([
      'test://template/{id}/data',
    ]);
    expect(await names('prompts/list', 'prompts', 'name')).toEqual(
      expect.arrayContaining([
        'test_simple_prompt',
        'test_prompt_with_arguments',
        'test_prompt_with_embedded_resource',
        'test_prompt_with_image',
      ]),
    );
  });

  it('answers with the contract’s exact texts', async () => {
    expect(await u.request('tools/call', { name: 'test_simple_text', arguments: {} })).toEqual({
      content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
    });
    expect(await u.request('resources/read', { uri: 'test://static-text' })).toEqual({
      contents: [
        {
          uri: 'test://static-text',
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    });
    expect(
      await u.request('prompts/get', {
        name: 'test_prompt_with_arguments',
        arguments: { arg1: 'hello', arg2: 'world' },
      }),
    ).toMatchObject({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" },
        },
      ],
    });
  });

  it('sends three log messages during test_tool_with_logging', async () => {
    ev.notifications.length = 0;
    await u.request('tools/call', { name: 'test_tool_with_logging', arguments: {} });
    expect(
      ev.notifications.filter((n) => n.msg.method === 'notifications/message').map((n) => n.msg.params?.data),
    ).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);
  });

  it('sends resources/updated for a subscribed resource', async () => {
    await u.request('resources/subscribe', { uri: 'test://watched-resource' });
    const { waitFor } = await import('../support/wait.js');
    await waitFor(() => ev.notifications.some((n) => n.msg.method === 'notifications/resources/updated'), {
      timeoutMs: 8000,
      what: 'resources/updated',
    });
    expect(await u.request('resources/unsubscribe', { uri: 'test://watched-resource' })).toEqual({});
  });
});
