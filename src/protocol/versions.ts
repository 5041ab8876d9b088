// The MCP protocol versions gridctl speaks, written once. The gateway's front door
// (src/gateway/http.ts, being re-laid out on another branch) still keeps its own newest-first
// copy; it should import this list once that layout lands.

/** Dated MCP protocol versions we speak, oldest first. */
export const PROTOCOL_VERSIONS: readonly string[] = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];

/** The newest dated version. */
export const LATEST_PROTOCOL_VERSION = PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.length - 1]!;
