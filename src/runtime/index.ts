// Public API of the runtime package: the engine interface, detection, and stack naming.
export { candidates, detectRuntime, notFoundMessage, requireRuntime, START_HINT } from './detect.js';
export { DockerApiRuntime } from './docker-api.js';
export * from './naming.js';
export * from './types.js';
