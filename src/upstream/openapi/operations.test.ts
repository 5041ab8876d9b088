import { describe, expect, it } from 'vitest';
import { resolveBaseUrl } from './http.js';
import { extractTools, methodPathName, sanitizeToolName, toJsonSchema } from './operations.js';
import { isInternalHost } from './spec.js';

describe('tool names', () => {
  it('sanitises operationIds and caps them at 64 characters', () => {
    expect(sanitizeToolName('pets.list v2')).toBe('pets_list_v2');
    expect(sanitizeToolName('a'.repeat(80))).toHaveLength(64);
  });
  it('derives method_path names', () => {
    expect(methodPathName('get', '/pets/{petId}/photo')).toBe('get_pets_petId_photo');
    expect(methodPathName('POST', '/')).toBe('post');
    expect(methodPathName('get', '/a.b/{c-d}')).toBe('get_a_b_c-d');
  });
  it('skips unusable names and de-duplicates clashes', () => {
    const warnings: string[] = [];
    const tools = extractTools(
      {
        openapi: '3.0.3',
        paths: {
          '/a': { get: { operationId: '...' }, post: { operationId: 'x y' } },
          '/b': { get: { operationId: 'x_y' } },
        },
      },
      { warn: (w) => warnings.push(w) },
    );
    expect(tools.map((t) => t.name)).toEqual(['x_y', 'x_y_2']);
    expect(warnings.join('\n')).toContain('GET /a: skipped');
    expect(warnings.join('\n')).toContain('named "x_y_2"');
  });
});

describe('toJsonSchema', () => {
  it('turns nullable into a null type, example into examples, drops OpenAPI-only keywords', () => {
    expect(
      toJsonSchema({
        type: 'string',
        nullable: true,
        example: 'a',
        xml: { name: 'x' },
        discriminator: { propertyName: 'k' },
        'x-internal': 1,
      }),
    ).toEqual({ type: ['string', 'null'], examples: ['a'] });
  });
  it('drops readOnly properties from requests and writeOnly ones from responses, fixing required', () => {
    const s = {
      type: 'object',
      required: ['id', 'secret'],
      properties: { id: { type: 'integer', readOnly: true }, secret: { type: 'string', writeOnly: true } },
    };
    expect(toJsonSchema(s, 'request')).toEqual({
      type: 'object',
      required: ['secret'],
      properties: { secret: { type: 'string', writeOnly: true } },
    });
    expect(toJsonSchema(s, 'response')).toEqual({
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'integer', readOnly: true } },
    });
  });
  it('cuts cycles and keeps composition keywords', () => {
    const node: Record<string, unknown> = { type: 'object', properties: {} };
    (node.properties as Record<string, unknown>).next = node;
    (node.properties as Record<string, unknown>).either = { oneOf: [{ type: 'string' }, node] };
    const out = toJsonSchema(node);
    expect(out).toEqual({
      type: 'object',
      properties: { next: {}, either: { oneOf: [{ type: 'string' }, {}] } },
    });
  });
});

describe('resolveBaseUrl', () => {
  it('prefers the override, then servers[0] with variable defaults, then Swagger host+basePath', () => {
    expect(resolveBaseUrl({ openapi: '3.0.0' }, 'http://api.test/v2/', undefined)).toBe('http://api.test/v2');
    expect(
      resolveBaseUrl(
        {
          openapi: '3.0.0',
          servers: [{ url: 'https://{env}.api.test/v1', variables: { env: { default: 'prod' } } }],
        },
        undefined,
        undefined,
      ),
    ).toBe('https://prod.api.test/v1');
    expect(
      resolveBaseUrl(
        { swagger: '2.0', host: 'h.test:8080', basePath: '/b', schemes: ['https'] },
        undefined,
        undefined,
      ),
    ).toBe('https://h.test:8080/b');
    expect(
      resolveBaseUrl(
        { openapi: '3.1.0', servers: [{ url: '/v1' }] },
        undefined,
        new URL('http://s.test:81/x.json'),
      ),
    ).toBe('http://s.test:81/v1');
  });
  it('explains when there is no usable server', () => {
    expect(() => resolveBaseUrl({ openapi: '3.0.0' }, undefined, undefined)).toThrow('set openapi.baseUrl');
    expect(() => resolveBaseUrl({ openapi: '3.0.0' }, 'ftp://x', undefined)).toThrow(
      'must be http:// or https://',
    );
  });
});

describe('isInternalHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['localhost', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['[::1]', true],
    ['api.example.com', false],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
  ])('%s → %s', (host, internal) => {
    expect(isInternalHost(host)).toBe(internal);
  });
});
