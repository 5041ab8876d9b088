// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are spec-file expansion syntax
// `${NAME}` expansion in OpenAPI spec files (the reference's behaviour; `apply --no-expand` skips it).
import { describe, expect, it } from 'vitest';
import { expandSpecText } from './spec.js';

describe('expandSpecText', () => {
  it('fills the braced forms from the environment and leaves everything else', () => {
    const warnings: string[] = [];
    const env = { HOST: 'api.example', EMPTY: '' };
    const out = expandSpecText(
      'url: https://${HOST}/v1 ${EMPTY:-dflt} ${HOST:+alt} ${EMPTY:+no} $HOST ${var:X} ${1}',
      env,
      warnings,
    );
    expect(out).toBe('url: https://api.example/v1 dflt alt  $HOST ${var:X} ${1}');
    expect(warnings).toEqual([]);
  });

  it('keeps an unset ${NAME} as written and says so once per name', () => {
    const warnings: string[] = [];
    expect(expandSpecText('${A} ${B} ${A} ${EMPTY}', { EMPTY: '' }, warnings)).toBe('${A} ${B} ${A} ');
    expect(warnings).toEqual([
      '${A}, ${B} not set in the environment, left as written (apply --no-expand turns expansion off)',
    ]);
  });
});
