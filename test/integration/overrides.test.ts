/**
 * Issue 4 acceptance: an override with an expiry takes effect at once and lifts by itself; restarting the
 * server (same --state-dir) keeps the overrides and the last health states.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend, type Backend } from "./backends.ts";
import { ADMIN_TOKEN, adminCall, answerOf, spawnServer, waitUntil, type ServerProcess } from "./helpers.ts";
import { runGslb } from "../helpers/gslb-cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("overrides");
const zones = join(dir.path, "zones");
const stateDir = join(dir.path, "state");
const backends: Record<string, Backend> = {};
let server: ServerProcess | undefined;

beforeAll(async () => {
  for (const name of ["primary", "secondary", "alpha", "beta"]) backends[name] = await startBackend();
  mkdirSync(zones);
  const probe = (name: string): string => `check: web, probe: "127.0.0.1:${backends[name]!.port}"`;
  writeFileSync(
    join(zones, "ovr.test.yaml"),
    `zone: ovr.test.
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 60
    NS: ns1
  ns1: { A: 192.0.2.53 }
  api: { A: { policy: api } }
  solo: { A: { policy: solo } }
checks:
  web: { kind: http, path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 3, jitter: 0 }
pools:
  primary: { targets: [{ address: 192.0.2.1, ${probe("primary")} }] }
  secondary: { targets: [{ address: 192.0.2.2, ${probe("secondary")} }] }
  alpha: { targets: [{ address: 192.0.2.31, ${probe("alpha")} }] }
  beta: { targets: [{ address: 192.0.2.32, ${probe("beta")} }] }
policies:
  api: { type: failover, members: [primary, secondary] }
  solo: { type: failover, members: [alpha, beta] }
`,
  );
});
afterAll(async () => {
  await server?.stop();
  for (const backend of Object.values(backends)) await backend.kill();
  dir.remove();
});

const start = (mode: string): Promise<ServerProcess> =>
  spawnServer(["--zones", zones, "--state-dir", stateDir, "--no-watch", "--health-start", mode]);

describe("overrides", () => {
  it("a target override with an expiry takes effect at once and lifts by itself", async () => {
    server = await start("wait");
    const port = server.dnsPort;
    expect(await answerOf(port, "api.ovr.test.")).toBe("192.0.2.1");
    const key = `web@127.0.0.1:${backends["primary"]!.port}`;
    // A typo names nothing the zone probes: refused (it would be stored and have no effect), listing the keys.
    const typo = await adminCall(server.admin, "POST", "/overrides", {
      scope: "target",
      name: `web@127.0.0.1:1`,
      state: "down",
      reason: "integration test",
    });
    expect(typo.status).toBe(404);
    expect((typo.body as { known: string[] }).known).toContain(key);
    const set = await adminCall(server.admin, "POST", "/overrides", {
      scope: "target",
      name: key,
      state: "down",
      reason: "integration test",
      for: "2s",
    });
    expect(set.status).toBe(201);
    expect(await answerOf(port, "api.ovr.test.")).toBe("192.0.2.2");
    const lifted = await waitUntil(
      () => answerOf(port, "api.ovr.test."),
      (a) => a === "192.0.2.1",
      5000,
      50,
    );
    expect(lifted.afterMs).toBeGreaterThanOrEqual(1000);
    expect(lifted.afterMs).toBeLessThanOrEqual(3500);
    expect(await adminCall(server.admin, "GET", "/overrides")).toEqual({
      status: 200,
      body: { overrides: [] },
    });
  }, 15_000);

  it("a restart with the same --state-dir keeps overrides and the last health states", async () => {
    const port = (): number => server!.dnsPort;
    const cli = await runGslb([
      "override",
      "set",
      "region",
      "primary",
      "down",
      "--reason",
      "maintenance",
      "--for",
      "1h",
      "--admin",
      server!.admin,
      "--token",
      ADMIN_TOKEN,
    ]);
    expect(cli.code).toBe(0);
    expect(await answerOf(port(), "api.ovr.test.")).toBe("192.0.2.2");
    await backends["alpha"]!.kill();
    await waitUntil(
      () => answerOf(port(), "solo.ovr.test."),
      (a) => a === "192.0.2.32",
      6000,
      50,
    );

    await server!.stop();
    // assume-up: without the saved states every target would start up and alpha would answer.
    server = await start("assume-up");
    expect(await answerOf(port(), "api.ovr.test.")).toBe("192.0.2.2");
    expect(await answerOf(port(), "solo.ovr.test.")).toBe("192.0.2.32");
    const list = await runGslb(["override", "list", "--admin", server.admin]);
    expect(list.stdout).toMatch(/region\s+primary\s+down/);
  }, 15_000);
});
