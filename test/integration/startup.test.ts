/**
 * Issue 4 acceptance: answers never go to a target whose check has not run yet, unless assume-up was chosen.
 * Primary: a dead port. Secondary: a live backend that answers its health check after 1.2 s.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/free-port.ts";
import { startBackend, type Backend } from "./backends.ts";
import { answerOf, spawnServer, type ServerProcess } from "./helpers.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("startup");
const zones = join(dir.path, "zones");
let slow: Backend;
const running: ServerProcess[] = [];

beforeAll(async () => {
  slow = await startBackend();
  slow.delayMs = 1200;
  const dead = await freePort();
  mkdirSync(zones);
  writeFileSync(
    join(zones, "start.test.yaml"),
    `zone: start.test.
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 60
    NS: ns1
  ns1: { A: 192.0.2.53 }
  api: { A: { policy: api } }
checks:
  web: { kind: http, path: /health, interval: 3s, timeout: 2s, rise: 2, fall: 3, jitter: 0 }
pools:
  primary: { targets: [{ address: 192.0.2.1, check: web, probe: "127.0.0.1:${dead}" }] }
  secondary: { targets: [{ address: 192.0.2.2, check: web, probe: "127.0.0.1:${slow.port}" }] }
policies:
  api: { type: failover, members: [primary, secondary] }
`,
  );
});
afterAll(async () => {
  for (const server of running) await server.stop();
  await slow.kill();
  dir.remove();
});

async function start(mode: string, stateDir: string): Promise<{ server: ServerProcess; tookMs: number }> {
  const began = Date.now();
  const server = await spawnServer([
    "--zones",
    zones,
    "--state-dir",
    join(dir.path, stateDir),
    "--no-watch",
    "--health-start",
    mode,
  ]);
  running.push(server);
  return { server, tookMs: Date.now() - began };
}

describe("--health-start", () => {
  it("wait: serves only after every check ran once, and the first answer is the checked one", async () => {
    const { server, tookMs } = await start("wait", "state-wait");
    expect(tookMs).toBeGreaterThanOrEqual(1200);
    expect(server.log()).toContain("waiting for the first health check round");
    expect(await answerOf(server.dnsPort, "api.start.test.")).toBe("192.0.2.2");
  }, 15_000);

  it("assume-up: serves at once, the unchecked primary counted as up", async () => {
    const { server } = await start("assume-up", "state-up");
    expect(await answerOf(server.dnsPort, "api.start.test.")).toBe("192.0.2.1");
  }, 15_000);
});
