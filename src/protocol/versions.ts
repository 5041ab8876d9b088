// The MCP protocol versions gridctl speaks, written once: the gateway's front door, the era
// router and the upstream clients all read these lists.

/** Dated MCP protocol versions we speak, oldest first. */
export const PROTOCOL_VERSIONS: readonly string[] = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];

/** The newest dated version. */
export const LATEST_PROTOCOL_VERSION = PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.length - 1]!;

/** Dated versions of the stateless era (no initialize, `_meta` on every request). */
export const STATELESS_VERSIONS: readonly string[] = ['2026-07-28'];

/** Versions that allow JSON-RPC batches (removed in 2025-06-18). */
export const BATCH_VERSIONS: ReadonlySet<string> = new Set(['2024-11-05', '2025-03-26']);
