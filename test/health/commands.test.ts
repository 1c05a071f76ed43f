import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminApi, listenAdmin, type AdminListener } from "../../src/admin/server.ts";
import { drillRoutes, mountRoutes, overrideRoutes } from "../../src/health/admin-routes.ts";
import { runDrillCommand, runOverrideCommand, type CommandIo } from "../../src/health/commands.ts";
import { parseDrills } from "../../src/health/drill-schema.ts";
import { DrillRunner } from "../../src/health/drills.ts";
import { OverrideStore } from "../../src/health/overrides.ts";
import { ManualTimers } from "../../src/health/timers.ts";

const TOKEN = "s3cret";
let listener: AdminListener;
let store: OverrideStore;
let runner: DrillRunner;
let admin: string;

beforeAll(async () => {
  const timers = new ManualTimers(Date.UTC(2026, 0, 1));
  store = new OverrideStore({ timers });
  runner = new DrillRunner({ timers, healthyRegions: () => ["eu", "us"], answersByRegion: () => new Map() });
  runner.setDrills(
    parseDrills("drills:\n  - name: eu-out\n    duration: 20s\n    regions: [eu]\n", "d.yaml"),
  );
  const api = new AdminApi(TOKEN);
  const known = { targets: new Set(["web@10.0.0.1:80", "web@10.0.0.2:80"]), regions: new Set(["eu", "us"]) };
  mountRoutes(api, [...overrideRoutes(store, () => known), ...drillRoutes(runner)]);
  listener = await listenAdmin(api, "127.0.0.1", 0);
  admin = `127.0.0.1:${listener.address.port}`;
});
afterAll(async () => {
  runner.stop();
  store.stop();
  await listener.close();
});

async function run(command: typeof runOverrideCommand, argv: string[], env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const io: CommandIo = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: { GSLB_ADMIN: admin, ...env },
  };
  const code = await command(argv, io);
  return { code, out, err };
}

describe("gslb override", () => {
  it("sets with the token, lists, and clears", async () => {
    const set = await run(runOverrideCommand, [
      "set",
      "region",
      "eu",
      "down",
      "--reason",
      "incident 42",
      "--for",
      "30s",
      "--token",
      TOKEN,
    ]);
    expect(set).toMatchObject({ code: 0, err: "" });
    expect(store.regions().get("eu")?.state).toBe("down");
    const list = await run(runOverrideCommand, ["list", "--json"]);
    expect(JSON.parse(list.out).overrides).toMatchObject([
      { scope: "region", name: "eu", state: "down", reason: "incident 42" },
    ]);
    const cleared = await run(runOverrideCommand, ["clear", "region", "eu"], { GSLB_ADMIN_TOKEN: TOKEN });
    expect(cleared.code).toBe(0);
    expect(store.list()).toEqual([]);
    expect((await run(runOverrideCommand, ["list"])).out).toBe("no overrides\n");
  });

  it.each([
    { argv: ["set", "region", "eu", "down", "--reason", "x"], code: 1, err: /401.*bearer token/ },
    { argv: ["set", "region", "eu", "down", "--reason", "x", "--token", "wrong"], code: 1, err: /401/ },
    {
      argv: ["set", "region", "eu", "sideways", "--reason", "x", "--token", TOKEN],
      code: 1,
      err: /400.*state/,
    },
    {
      argv: ["set", "region", "eu", "down", "--reason", "x", "--for", "soon", "--token", TOKEN],
      code: 1,
      err: /invalid duration/,
    },
    { argv: ["set", "region", "eu", "down", "--token", TOKEN], code: 2, err: /needs --reason/ },
    { argv: ["clear", "nonexistent-id", "--token", TOKEN], code: 1, err: /404/ },
    {
      argv: ["set", "region", "ue", "down", "--reason", "typo", "--token", TOKEN],
      code: 1,
      err: /404: no region \(pool\) named "ue".*\nknown: eu, us\n/,
    },
    {
      argv: ["set", "target", "web@10.0.0.9:80", "down", "--reason", "typo", "--token", TOKEN],
      code: 1,
      err: /no health target \(check@address\) named "web@10.0.0.9:80".*\nknown: web@10.0.0.1:80, web@10.0.0.2:80\n/,
    },
    {
      argv: ["set", "target", "eu", "down", "--reason", "a region given as a target", "--token", TOKEN],
      code: 1,
      err: /404/,
    },
    { argv: ["frobnicate"], code: 2, err: /unknown override command/ },
    { argv: ["list", "--bogus"], code: 2, err: /Unknown option/ },
  ])("$argv → exit $code", async ({ argv, code, err }) => {
    const result = await run(runOverrideCommand, argv);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(err);
    expect(store.list()).toEqual([]);
  });

  it("stores an override for a name no zone has only with --force", async () => {
    const forced = await run(runOverrideCommand, [
      "set",
      "region",
      "ap",
      "down",
      "--reason",
      "region ap goes live tomorrow, keep it out",
      "--force",
      "--token",
      TOKEN,
    ]);
    expect(forced).toMatchObject({ code: 0, err: "" });
    expect(store.regions().get("ap")?.state).toBe("down");
    expect((await run(runOverrideCommand, ["clear", "region", "ap", "--token", TOKEN])).code).toBe(0);
  });

  it("prints help", async () => {
    expect(await run(runOverrideCommand, ["--help"])).toMatchObject({
      code: 0,
      out: expect.stringContaining("gslb override set"),
    });
  });
});

describe("gslb drill", () => {
  it("needs --now, runs, shows status, stops", async () => {
    expect((await run(runDrillCommand, ["run", "eu-out", "--token", TOKEN])).code).toBe(2);
    expect((await run(runDrillCommand, ["run", "eu-out", "--now", "--token", TOKEN])).code).toBe(0);
    expect(runner.regions().get("eu")?.state).toBe("down");
    const again = await run(runDrillCommand, ["run", "eu-out", "--now", "--token", TOKEN]);
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining("409") });
    const status = await run(runDrillCommand, ["status"]);
    expect(status.out).toMatch(/eu-out {2}running {2}regions eu/);
    expect((await run(runDrillCommand, ["stop", "eu-out", "--token", TOKEN])).code).toBe(0);
    expect(runner.regions().size).toBe(0);
    expect((await run(runDrillCommand, ["run", "ghost", "--now", "--token", TOKEN])).err).toMatch(/404/);
  });
});
