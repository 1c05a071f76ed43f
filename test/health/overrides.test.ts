import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileAuditLog, MemoryAuditLog } from "../../src/health/audit.ts";
import { overrideRequestSchema, type OverrideRequestInput } from "../../src/health/override-schema.ts";
import { OverrideStore } from "../../src/health/overrides.ts";
import { readStateFile, StateFile } from "../../src/health/state-file.ts";
import { ManualTimers } from "../../src/health/timers.ts";
import { GslbError } from "../../src/errors.ts";
import { tempDirs } from "../helpers/temp-dir.ts";

const dirs = tempDirs("ovr");
afterAll(() => dirs.removeAll());

const req = (input: OverrideRequestInput) => overrideRequestSchema.parse(input);
let ids = 0;
const newId = () => `o${++ids}`;

describe("override store", () => {
  it("forces targets and regions, replacing an override for the same subject", () => {
    const store = new OverrideStore({ timers: new ManualTimers(1000), newId });
    store.set(req({ scope: "target", name: "web@10.0.0.1:80", state: "down", reason: "bad deploy" }));
    store.set(req({ scope: "region", name: "eu", state: "draining", reason: "maintenance" }));
    store.set(req({ scope: "target", name: "web@10.0.0.1:80", state: "up", reason: "fixed", by: "alice" }));
    expect(store.list()).toHaveLength(2);
    expect(store.targets().get("web@10.0.0.1:80")).toMatchObject({
      state: "up",
      source: "override",
      since: 1000,
    });
    expect(store.targets().get("web@10.0.0.1:80")!.reason).toMatch(/alice: fixed/);
    expect(store.regions().get("eu")).toMatchObject({ state: "draining", source: "override" });
    expect(store.regions().get("us")).toBeUndefined();
  });

  it("lifts an expired override by itself, and only that one", async () => {
    const timers = new ManualTimers(0);
    const audit = new MemoryAuditLog();
    const store = new OverrideStore({ timers, audit, newId });
    let changes = 0;
    store.subscribe(() => changes++);
    store.set(req({ scope: "region", name: "eu", state: "down", reason: "incident", for: "30s" }));
    store.set(req({ scope: "region", name: "us", state: "down", reason: "incident", for: "1m" }));
    store.set(req({ scope: "region", name: "ap", state: "down", reason: "incident" }));
    await timers.advance(29_999);
    expect([...store.regions().keys()].sort()).toEqual(["ap", "eu", "us"]);
    await timers.advance(1);
    expect([...store.regions().keys()].sort()).toEqual(["ap", "us"]);
    await timers.advance(30_000);
    expect([...store.regions().keys()]).toEqual(["ap"]);
    expect(changes).toBe(5);
    expect(audit.records.map((r) => r.action)).toEqual([
      "override.set",
      "override.set",
      "override.set",
      "override.expire",
      "override.expire",
    ]);
    store.stop();
  });

  it("clears by id or by subject, and says when there is nothing to clear", () => {
    const store = new OverrideStore({ timers: new ManualTimers(0), newId });
    const a = store.set(req({ scope: "region", name: "eu", state: "down", reason: "x" }));
    store.set(req({ scope: "target", name: "t@1.2.3.4", state: "down", reason: "x" }));
    expect(store.clear({ id: a.id })?.name).toBe("eu");
    expect(store.clear({ id: a.id })).toBeUndefined();
    expect(store.clear({ scope: "target", name: "t@1.2.3.4" })?.state).toBe("down");
    expect(store.list()).toEqual([]);
  });

  it("survives a restart through the state file, dropping what expired meanwhile", async () => {
    const dir = dirs.make();
    const path = join(dir, "state.json");
    const timers = new ManualTimers(10_000);
    const file = new StateFile(path, undefined, { now: () => timers.now() });
    const store = new OverrideStore({ timers, newId, persist: (list) => file.setOverrides(list) });
    store.set(req({ scope: "region", name: "eu", state: "down", reason: "incident", for: "30s" }));
    store.set(
      req({ scope: "target", name: "web@10.0.0.1:80", state: "draining", reason: "upgrade", for: "2m" }),
    );
    file.setTargets(
      new Map([
        ["web@10.0.0.2:80", { state: "down", since: 9000, rttMs: null, flaps: 2, detail: "refused" }],
      ]),
    );
    await file.flush();
    store.stop();

    const saved = await readStateFile(path);
    expect(saved.targets.get("web@10.0.0.2:80")).toMatchObject({ state: "down", flaps: 2 });
    const audit = new MemoryAuditLog();
    const later = new ManualTimers(10_000 + 60_000);
    const restarted = new OverrideStore({ timers: later, newId, audit, initial: saved.overrides });
    expect(restarted.regions().has("eu")).toBe(false);
    expect(restarted.targets().get("web@10.0.0.1:80")?.state).toBe("draining");
    expect(audit.records.map((r) => r.action)).toEqual(["override.expire"]);
    await later.advance(60_000);
    expect(restarted.targets().size).toBe(0);
    restarted.stop();
  });
});

describe("state file", () => {
  it("is missing → empty, corrupt → STATE_FILE error", async () => {
    const dir = dirs.make();
    expect((await readStateFile(join(dir, "none.json"))).overrides).toEqual([]);
    for (const text of [
      "{nope",
      JSON.stringify({ version: 2, savedAt: 1 }),
      JSON.stringify({ version: 1, savedAt: 1, targets: { k: { state: "sideways" } } }),
    ]) {
      writeFileSync(join(dir, "bad.json"), text);
      await expect(readStateFile(join(dir, "bad.json"))).rejects.toSatisfy(
        (e) => e instanceof GslbError && e.code === "GSLB_ERR_STATE_FILE",
      );
    }
  });

  it("writes atomically: the file is always whole JSON, the last write wins", async () => {
    const dir = dirs.make();
    const path = join(dir, "sub", "state.json");
    const file = new StateFile(path);
    for (let i = 0; i < 20; i++)
      file.setTargets(
        new Map([["k", { state: i % 2 === 0 ? "up" : "down", since: i, rttMs: 1, flaps: i, detail: "d" }]]),
      );
    await file.flush();
    expect(JSON.parse(readFileSync(path, "utf8")).targets.k).toMatchObject({ flaps: 19, state: "down" });
  });
});

describe("audit log", () => {
  it("appends JSON lines in order", async () => {
    const path = join(dirs.make(), "audit.jsonl");
    const log = new FileAuditLog(path);
    for (let i = 0; i < 5; i++) log.append({ time: new Date(i).toISOString(), action: `a${i}`, by: "t" });
    await log.flush();
    expect(
      readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).action),
    ).toEqual(["a0", "a1", "a2", "a3", "a4"]);
  });
});
