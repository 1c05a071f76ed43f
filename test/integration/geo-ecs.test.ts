/**
 * Issue 3 acceptance, first half: `dig +subnet=…` straight at gslb gives clients in different countries the
 * region the zone says, with the ECS scope = the GeoIP network prefix (≤ the source prefix), and agrees with
 * `gslb explain` for the same client.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GEO_ZONE, spawnServer, spawnZoneServer, type ServerProcess } from "./helpers.ts";
import { runGslb } from "../helpers/gslb-cli.ts";
import { dig } from "../helpers/dig.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("geo");
const zones = join(dir.path, "zones");
const geoip = join(dir.path, "geo.mmdb");
let server: ServerProcess;

beforeAll(async () => {
  server = await spawnZoneServer(dir.path, "gslb.test.yaml", GEO_ZONE);
}, 15_000);
afterAll(async () => {
  await server?.stop();
  dir.remove();
});

/** dig's answer address and the scope of its CLIENT-SUBNET line ("81.2.69.0/24/16"). */
function parseDig(out: string): { address: string; source: number; scope: number } {
  const answer = /^www\.gslb\.test\.\s+\d+\s+IN\s+A\s+(\S+)$/m.exec(out);
  const ecs = /CLIENT-SUBNET: [^/]+\/(\d+)\/(\d+)/.exec(out);
  if (answer === null || ecs === null) throw new Error(`unexpected dig output:\n${out}`);
  return { address: answer[1]!, source: Number(ecs[1]), scope: Number(ecs[2]) };
}

describe("geo answers by ECS, dig against gslb and gslb explain", () => {
  const cases: [string, string, string, number][] = [
    ["GB (EU)", "81.2.69.0/24", "192.0.2.1", 16],
    ["US (NA)", "8.8.8.0/24", "198.51.100.1", 16],
    ["JP (default)", "1.2.3.0/24", "203.0.113.1", 8],
    ["GB, ECS /12 wider than the network: scope capped at /12", "81.0.0.0/12", "203.0.113.1", 12],
    ["an address in no network (unknown): default", "100.64.0.0/24", "203.0.113.1", -1],
  ];
  it.each(cases)("%s", async (_what, subnet, address, scope) => {
    const out = await dig([
      "@127.0.0.1",
      "-p",
      String(server.dnsPort),
      "www.gslb.test",
      "A",
      `+subnet=${subnet}`,
      "+norec",
    ]);
    const got = parseDig(out);
    expect(got.address).toBe(address);
    if (scope >= 0) expect(got.scope).toBe(scope);
    expect(got.scope).toBeLessThanOrEqual(got.source);

    const explained = await runGslb([
      "explain",
      "www.gslb.test",
      "A",
      "--client",
      subnet,
      "--zones",
      zones,
      "--geoip",
      geoip,
      "--json",
    ]);
    expect(explained.code).toBe(0);
    const result = (
      JSON.parse(explained.stdout) as {
        records: { explanation: { result: { answers: string[]; ecsScopePrefix: number } } }[];
      }
    ).records[0]!.explanation.result;
    expect(result.answers).toEqual([got.address]);
    expect(result.ecsScopePrefix).toBe(got.scope);
  });

  it("the admin API /explain agrees with the command", async () => {
    const response = await fetch(
      `http://${server.admin}/explain?name=www.gslb.test&type=A&client=8.8.8.0/24`,
    );
    const body = (await response.json()) as {
      records: { policy: string; explanation: { result: { answers: string[] } } }[];
    };
    expect(body.records[0]).toMatchObject({
      policy: "www-geo",
      explanation: { result: { answers: ["198.51.100.1"] } },
    });
    const bad = await fetch(`http://${server.admin}/explain?name=www.gslb.test&type=A&client=not-an-ip`);
    expect(bad.status).toBe(400);
  });

  it("explain says a static record is static", async () => {
    const out = await runGslb([
      "explain",
      "ns1.gslb.test",
      "A",
      "--client",
      "8.8.8.8",
      "--zones",
      zones,
      "--geoip",
      geoip,
    ]);
    expect(out.stdout).toContain("ns1.gslb.test. A: static record (no policy), ttl 3600s, ecs scope /0");
  });

  it("serve fails naming the file and the fix when the GeoIP file is missing", async () => {
    const missing = join(dir.path, "nope.mmdb");
    await expect(
      spawnServer(["--zones", zones, "--geoip", missing, "--state-dir", join(dir.path, "state2")]),
    ).rejects.toThrow(new RegExp(`GeoIP database ${missing} cannot be read .*--geoip FILE`));
  });
});
