export { OpenApiUpstream, type OpenApiUpstreamOptions } from './client.js';
export type { OpenApiAuth, OpenApiConfig } from './config.js';
export {
  extractTools,
  methodPathName,
  type OperationTool,
  sanitizeToolName,
  toJsonSchema,
} from './operations.js';
