/**
 * Issue 4 acceptance: real HTTP backends on loopback behind a failover and a geo record, checked every 1 s
 * with fall 3 and rise 2. Killing the primary changes the DNS answer within 4 s; restoring it brings the
 * answer back after the rise threshold; a flapping backend does not make the answer flap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend, type Backend } from "./backends.ts";
import { answerOf, spawnZoneServer, waitUntil, type ServerProcess } from "./helpers.ts";
import { tempDir } from "../helpers/temp-dir.ts";

export function healthZone(ports: Readonly<Record<string, number>>): string {
  return `zone: health.test.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 60
    NS: ns1
  ns1: { A: 192.0.2.53 }
  api: { A: { policy: api } }
  www: { A: { policy: www } }
  flap: { A: { policy: flap } }
checks:
  web: { kind: http, path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 3, jitter: 0 }
pools:
  primary: { targets: [{ address: 192.0.2.1, check: web, probe: "127.0.0.1:${ports["primary"]}" }] }
  secondary: { targets: [{ address: 192.0.2.2, check: web, probe: "127.0.0.1:${ports["secondary"]}" }] }
  eu: { targets: [{ address: 192.0.2.11, check: web, probe: "127.0.0.1:${ports["eu"]}" }] }
  na: { targets: [{ address: 198.51.100.11, check: web, probe: "127.0.0.1:${ports["na"]}" }] }
  flappy: { targets: [{ address: 192.0.2.21, check: web, probe: "127.0.0.1:${ports["flappy"]}" }] }
  steady: { targets: [{ address: 192.0.2.22 }] }
policies:
  api: { type: failover, members: [primary, secondary] }
  www: { type: geo, rules: [{ continent: EU, use: [eu, na] }], default: [na, eu] }
  flap: { type: failover, members: [flappy, steady] }
`;
}

const dir = tempDir("health");
const backends: Record<string, Backend> = {};
let server: ServerProcess;
const EU = { subnet: "81.2.69.0/24" };

beforeAll(async () => {
  for (const name of ["primary", "secondary", "eu", "na"]) backends[name] = await startBackend();
  backends["flappy"] = await startBackend("flap");
  const ports = Object.fromEntries(Object.entries(backends).map(([k, b]) => [k, b.port]));
  server = await spawnZoneServer(dir.path, "health.test.yaml", healthZone(ports));
}, 15_000);
afterAll(async () => {
  await server?.stop();
  for (const backend of Object.values(backends)) await backend.kill();
  dir.remove();
});

describe("health checks drive the answers", () => {
  it("fails over within 4 s, comes back after rise, and a flapping backend does not flap the answer", async () => {
    const port = server.dnsPort;
    expect(await answerOf(port, "api.health.test.")).toBe("192.0.2.1");
    expect(await answerOf(port, "www.health.test.", EU)).toBe("192.0.2.11");

    const flapAnswers = new Set<string>();
    let watching = true;
    const watchFlap = (async () => {
      while (watching) {
        flapAnswers.add(await answerOf(port, "flap.health.test."));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    await Promise.all([backends["primary"]!.kill(), backends["eu"]!.kill()]);
    const [failover, geo] = await Promise.all([
      waitUntil(
        () => answerOf(port, "api.health.test."),
        (a) => a === "192.0.2.2",
        6000,
        50,
      ),
      waitUntil(
        () => answerOf(port, "www.health.test.", EU),
        (a) => a === "198.51.100.11",
        6000,
        50,
      ),
    ]);
    expect(failover.afterMs).toBeLessThanOrEqual(4000);
    expect(geo.afterMs).toBeLessThanOrEqual(4000);
    // Not before the fall threshold: three failed probes, one second apart.
    expect(failover.afterMs).toBeGreaterThanOrEqual(1500);

    await Promise.all([backends["primary"]!.restore(), backends["eu"]!.restore()]);
    const [back, geoBack] = await Promise.all([
      waitUntil(
        () => answerOf(port, "api.health.test."),
        (a) => a === "192.0.2.1",
        6000,
        50,
      ),
      waitUntil(
        () => answerOf(port, "www.health.test.", EU),
        (a) => a === "192.0.2.11",
        6000,
        50,
      ),
    ]);
    // Two good probes one second apart (rise 2): not at the first one.
    expect(back.afterMs).toBeGreaterThanOrEqual(900);
    expect(back.afterMs).toBeLessThanOrEqual(4000);
    expect(geoBack.afterMs).toBeLessThanOrEqual(4000);

    watching = false;
    await watchFlap;
    expect(backends["flappy"]!.seen.failed).toBeGreaterThanOrEqual(2);
    expect([...flapAnswers]).toEqual(["192.0.2.21"]);
  }, 20_000);
});
