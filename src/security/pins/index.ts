// Tool-schema pinning: trust on first use for tool definitions, drift detection, approval, and
// advisory poisoning heuristics. See docs/pins.md.
export {
  canonicalJson,
  hashDefinition,
  PINNED_FIELDS,
  type ToolDefinition,
  toolDefinition,
} from './canonical.js';
export { pinFields, pinSettings, serverIdentity, withPinFields } from './identity.js';
export {
  type ApproveResult,
  approveRecorded,
  DEFAULT_SETTINGS,
  type ObserveSpec,
  PinManager,
  type PinSettings,
  type PinStatus,
  type PinsReport,
  pinLabel,
  type ServerPinReport,
  serverReport,
} from './manager.js';
export { FINDING_CODES, type Finding, scanTool } from './scan.js';
export {
  type DriftEntry,
  PinError,
  pinnedStacks,
  pinsFile,
  readPins,
  updatePins,
  writePins,
} from './store.js';
