#!/bin/sh
# Official MCP conformance suite against a Gateway fronting the fixture server (unprefixed).
# Exit status 0 when every run matches its expected-failures*.txt baseline.
set -e
cd "$(dirname "$0")/../.."
exec npx tsx test/conformance/run.ts
