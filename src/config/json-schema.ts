// JSON Schema for stack.yaml, generated from the zod schema (schema/stack.schema.json is its output).
import { z } from 'zod';
import { stackSchema } from './schema.js';

export function stackJsonSchema(): Record<string, unknown> {
  // `input`: what a person writes (defaults optional, scalars before coercion). Draft-07 is what
  // editors' YAML language servers support best.
  return z.toJSONSchema(stackSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
