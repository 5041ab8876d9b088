// Interceptors compose right to left so the list reads in call order: the first one sees the call
// first and the result last. Composition happens once per policy set, never per call.
import type { CallHandler, Interceptor } from './types.js';

export function compose(interceptors: readonly Interceptor[], terminal: CallHandler): CallHandler {
  let handler = terminal;
  for (let i = interceptors.length - 1; i >= 0; i--) handler = (interceptors[i] as Interceptor)(handler);
  return handler;
}
