// Child process for the cross-process test: opens the store, sets KEY=VALUE N times (one save each),
// exits 0. Usage: vault-writer.ts <root> <prefix> <count>
import { openVault } from '../../src/security/vault/index.js';

const [root, prefix, count] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) {
  const vault = await openVault({ root: root!, env: process.env, kdf: { N: 2 ** 10, r: 8, p: 1 } });
  vault.set(`${prefix}_${i}`, `value-${prefix}-${i}`);
  await vault.save();
}
