/**
 * Issue 3 acceptance: a 95/5 weighted record gives 5 % ± 0.5 % over 100,000 queries; editing the weight in
 * the file (watch on) changes the split without a restart; a typo in the edit is rejected and the old split
 * keeps serving.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blast, spawnServer, waitUntil, type ServerProcess } from "./helpers.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const zoneText = (stable: string, canary: string): string => `zone: canary.test.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 60
    NS: ns1
  ns1: { A: 192.0.2.53 }
  app: { A: { policy: app } }
pools:
  fleet:
    targets:
      - { address: 192.0.2.10, weight: ${stable} }
      - { address: 192.0.2.20, weight: ${canary} }
policies:
  app: { type: weighted, pool: fleet, ttl: { healthy: 30 } }
`;

const dir = tempDir("canary");
const zones = join(dir.path, "zones");
const file = join(zones, "canary.test.yaml");
let server: ServerProcess;

beforeAll(async () => {
  mkdirSync(zones);
  writeFileSync(file, zoneText("95", "5"));
  server = await spawnServer(["--zones", zones, "--state-dir", join(dir.path, "state")]);
}, 15_000);
afterAll(async () => {
  await server?.stop();
  dir.remove();
});

const share = (counts: Map<string, number>, address: string): number => {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return (counts.get(address) ?? 0) / total;
};

describe("canary 95/5", () => {
  it("serves 5 % ± 0.5 % to the canary over 100,000 queries", async () => {
    const counts = await blast(server.dnsPort, "app.canary.test.", 100_000);
    expect([...counts.keys()].sort()).toEqual(["192.0.2.10", "192.0.2.20"]);
    expect(share(counts, "192.0.2.20")).toBeGreaterThan(0.045);
    expect(share(counts, "192.0.2.20")).toBeLessThan(0.055);
  }, 60_000);

  it("an edited weight changes the split without a restart; a typo keeps the old split", async () => {
    writeFileSync(file, zoneText("50", "50"));
    await waitUntil(
      () => blast(server.dnsPort, "app.canary.test.", 2_000),
      (c) => share(c, "192.0.2.20") > 0.4,
      8000,
      200,
    );
    const after = await blast(server.dnsPort, "app.canary.test.", 20_000);
    expect(share(after, "192.0.2.20")).toBeGreaterThan(0.47);
    expect(share(after, "192.0.2.20")).toBeLessThan(0.53);

    writeFileSync(file, zoneText("95", "five"));
    await waitUntil(
      async () => server.log(),
      (log) => log.includes("zone file rejected; serving its last good version"),
      8000,
      100,
    );
    expect(server.log()).toMatch(/canary\.test\.yaml:13: pools\.fleet\.targets\[1\]\.weight: /);
    const kept = await blast(server.dnsPort, "app.canary.test.", 20_000);
    expect(share(kept, "192.0.2.20")).toBeGreaterThan(0.47);
    expect(share(kept, "192.0.2.20")).toBeLessThan(0.53);
  }, 30_000);
});
