import { describe, expect, it } from "vitest";
import { checkSchema, type CheckInput } from "../../src/health/check-schema.ts";
import { probeFail, probeOk, type Probe, type ProbeResult } from "../../src/health/probes/probe.ts";
import type { CheckLookup } from "../../src/health/probes/registry.ts";
import { Scheduler, type HealthTargetSpec, type SchedulerOptions } from "../../src/health/scheduler.ts";
import { targetKey, type TargetHealth } from "../../src/health/table.ts";
import { ManualTimers } from "../../src/health/timers.ts";
import type { SavedTargetState } from "../../src/health/tracker.ts";
import type { HealthOverlay } from "../../src/health/overlay.ts";

/** Fake probes: each address answers from `up` (default true); `hold` keeps runs pending until released. */
class FakeNet {
  readonly up = new Map<string, boolean>();
  readonly runs: { address: string; at: number; signal: AbortSignal }[] = [];
  readonly created: string[] = [];
  hold = false;
  readonly held: (() => void)[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly timers: ManualTimers;
  constructor(timers: ManualTimers) {
    this.timers = timers;
  }

  factory = (name: string): Probe => {
    this.created.push(name);
    return {
      kind: "fake",
      run: (target, signal) => {
        const address = target.port === undefined ? target.host : `${target.host}:${target.port}`;
        this.runs.push({ address, at: this.timers.now(), signal });
        const result: ProbeResult = (this.up.get(address) ?? true) ? probeOk(10) : probeFail("refused");
        if (!this.hold) return Promise.resolve(result);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        return new Promise((resolve) =>
          this.held.push(() => {
            this.inFlight -= 1;
            resolve(result);
          }),
        );
      },
    };
  };

  runsOf(address: string): number[] {
    return this.runs.filter((r) => r.address === address).map((r) => r.at);
  }
}

function checks(defs: Record<string, CheckInput>): CheckLookup {
  return new Map(Object.entries(defs).map(([name, def]) => [name, checkSchema.parse(def)]));
}

const web = checks({ web: { kind: "tcp", interval: "1s", timeout: "500ms", jitter: 0, rise: 2, fall: 3 } });

function setup(options: Partial<SchedulerOptions> = {}) {
  const timers = new ManualTimers(1_000_000);
  const net = new FakeNet(timers);
  const logs: Record<string, unknown>[] = [];
  const logger = { info: (obj: Record<string, unknown>) => void logs.push(obj), warn: () => undefined };
  const scheduler = new Scheduler({
    timers,
    random: () => 0,
    probeFactory: net.factory,
    logger: logger as never,
    ...options,
  });
  return { timers, net, logs, scheduler };
}

const spec = (address: string, check = "web"): HealthTargetSpec => ({ check, address: address });

describe("scheduler", () => {
  it("probes each (check, address) once however many records share it", async () => {
    const { timers, net, scheduler } = setup();
    scheduler.setTargets(
      [spec("10.0.0.1:80"), spec("10.0.0.1:80"), spec("10.0.0.2:80"), spec("10.0.0.1:80")],
      web,
    );
    await timers.advance(2500);
    expect(net.runsOf("10.0.0.1:80")).toEqual([1_000_000, 1_001_000, 1_002_000]);
    expect(net.runsOf("10.0.0.2:80")).toHaveLength(3);
    expect(net.created).toEqual(["web"]);
    expect(
      scheduler
        .targets()
        .map((t) => t.key)
        .sort(),
    ).toEqual(["web@10.0.0.1:80", "web@10.0.0.2:80"]);
    await scheduler.stop();
  });

  it.each([
    { random: 0, delay: 800 },
    { random: 0.5, delay: 1000 },
    { random: 0.9999, delay: 1200 },
  ])("keeps the interval within ±jitter (random $random → $delay ms)", async ({ random, delay }) => {
    const { timers, scheduler } = setup({ random: () => random });
    const jittered = checks({ web: { kind: "tcp", interval: "1s", timeout: "500ms", jitter: 0.2 } });
    scheduler.setTargets([spec("10.0.0.1:80")], jittered);
    const first = timers.delays()[0]!;
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThanOrEqual(200);
    await timers.advance(first);
    const next = timers.delays()[0]!;
    expect(next).toBeCloseTo(delay, 0);
    expect(next).toBeGreaterThanOrEqual(800);
    expect(next).toBeLessThanOrEqual(1200);
    await scheduler.stop();
  });

  it("never runs more probes at once than the cap, and runs the rest as slots free up", async () => {
    const { timers, net, scheduler } = setup({ maxConcurrent: 2 });
    net.hold = true;
    scheduler.setTargets(
      ["a", "b", "c", "d", "e"].map((h) => spec(`${h}.test:80`)),
      web,
    );
    await timers.advance(0);
    expect(net.runs).toHaveLength(2);
    net.held.shift()!();
    await timers.advance(0);
    expect(net.runs).toHaveLength(3);
    while (net.held.length > 0) {
      net.held.shift()!();
      await timers.advance(0);
    }
    expect(net.runs).toHaveLength(5);
    expect(net.maxInFlight).toBe(2);
    await scheduler.stop();
  });

  it("starts new targets, stops removed ones and keeps the state of kept ones", async () => {
    const { timers, net, scheduler } = setup();
    net.up.set("10.0.0.2:80", false);
    scheduler.setTargets([spec("10.0.0.1:80"), spec("10.0.0.2:80")], web);
    await timers.advance(10);
    expect(scheduler.getCurrent().target("web@10.0.0.2:80").state).toBe("down");
    scheduler.setTargets([spec("10.0.0.2:80"), spec("10.0.0.3:80")], web);
    const before = net.runsOf("10.0.0.1:80").length;
    await timers.advance(3000);
    expect(net.runsOf("10.0.0.1:80")).toHaveLength(before);
    expect(net.runsOf("10.0.0.3:80").length).toBeGreaterThan(0);
    expect(scheduler.getCurrent().target("web@10.0.0.2:80").state).toBe("down");
    expect(scheduler.probeState("web@10.0.0.1:80")).toBeUndefined();
    await scheduler.stop();
  });

  it("aborts an in-flight probe of a removed target", async () => {
    const { timers, net, scheduler } = setup();
    net.hold = true;
    scheduler.setTargets([spec("10.0.0.1:80")], web);
    await timers.advance(0);
    scheduler.setTargets([], web);
    expect(net.runs[0]!.signal.aborted).toBe(true);
    await scheduler.stop();
  });

  it("rejects an unknown check or a bad address without changing anything", () => {
    const { scheduler } = setup();
    scheduler.setTargets([spec("10.0.0.1:80")], web);
    expect(() => scheduler.setTargets([spec("10.0.0.1:80", "nope")], web)).toThrow(/unknown check "nope"/);
    expect(() => scheduler.setTargets([spec("10.0.0.1:99999")], web)).toThrow(/bad probe address/);
    expect(scheduler.targets()).toHaveLength(1);
    void scheduler.stop();
  });

  it("swaps a new view on each state change and logs once per change, not per probe", async () => {
    const { timers, net, logs, scheduler } = setup();
    const key = targetKey("web", "10.0.0.1:80");
    const seen: TargetHealth[] = [];
    scheduler.subscribe(() => seen.push(scheduler.getCurrent().target(key)));
    scheduler.setTargets([spec("10.0.0.1:80")], web);
    const initialView = scheduler.getCurrent();
    expect(initialView.target(key)).toMatchObject({ state: "down", source: "assumed" });
    await timers.advance(1500);
    expect(scheduler.getCurrent().target(key)).toMatchObject({ state: "up", source: "probe" });
    expect(initialView.target(key).state).toBe("down");
    net.up.set("10.0.0.1:80", false);
    await timers.advance(2000);
    expect(scheduler.getCurrent().target(key).state).toBe("up");
    await timers.advance(1000);
    expect(scheduler.getCurrent().target(key)).toMatchObject({
      state: "down",
      reason: "refused",
      since: 1_004_000,
    });
    expect(logs.map((l) => [l["from"], l["to"]])).toEqual([
      ["unknown", "up"],
      ["up", "down"],
    ]);
    expect(net.runs.length).toBe(5);
    expect(seen.filter((h, i) => i === 0 || h.state !== seen[i - 1]!.state).map((h) => h.state)).toEqual([
      "down",
      "up",
      "down",
    ]);
    await scheduler.stop();
  });

  it("with assume up, a target is up before its first result", async () => {
    const { scheduler } = setup({ initial: "up" });
    scheduler.setTargets([spec("10.0.0.1:80")], web);
    expect(scheduler.getCurrent().target("web@10.0.0.1:80")).toMatchObject({
      state: "up",
      source: "assumed",
    });
    expect(scheduler.getCurrent().target("web@10.9.9.9:80")).toMatchObject({
      state: "up",
      source: "assumed",
    });
    await scheduler.stop();
  });

  it("resolves firstRound once every target has a result", async () => {
    const { timers, scheduler } = setup({ random: () => 0.5 });
    scheduler.setTargets(
      [spec("10.0.0.1:80"), spec("10.0.0.2:80")],
      checks({ web: { kind: "tcp", interval: "1s", timeout: "500ms", jitter: 0.5 } }),
    );
    let done = false;
    void scheduler.firstRound().then(() => (done = true));
    await timers.advance(100);
    expect(done).toBe(false);
    await timers.advance(200);
    expect(done).toBe(true);
    await scheduler.stop();
  });

  it("persists states on change and restarts from saved ones", async () => {
    const saves: ReadonlyMap<string, SavedTargetState>[] = [];
    const first = setup({ persist: (s) => saves.push(s) });
    first.net.up.set("10.0.0.1:80", false);
    first.scheduler.setTargets([spec("10.0.0.1:80")], web);
    await first.timers.advance(10);
    const last = saves.at(-1)!;
    expect(last.get("web@10.0.0.1:80")).toMatchObject({ state: "down", detail: "refused" });
    await first.scheduler.stop();

    const second = setup({ saved: last });
    second.scheduler.setTargets([spec("10.0.0.1:80")], web);
    expect(second.scheduler.getCurrent().target("web@10.0.0.1:80")).toMatchObject({
      state: "down",
      source: "probe",
    });
    await second.timers.advance(10);
    expect(second.scheduler.getCurrent().target("web@10.0.0.1:80").state).toBe("down");
    await second.timers.advance(1000);
    expect(second.scheduler.getCurrent().target("web@10.0.0.1:80").state).toBe("up");
    await second.scheduler.stop();
  });

  it("folds overlays on top of probe states, later overlays winning", async () => {
    const { timers, scheduler } = setup();
    const forced = (state: "up" | "down" | "draining"): TargetHealth => ({
      state,
      rttMs: null,
      since: 1,
      source: "override",
      reason: "ops",
    });
    const overlay = (
      t: [string, TargetHealth][],
      r: [string, TargetHealth][],
      ramp: string[],
    ): HealthOverlay => ({
      targets: () => new Map(t),
      regions: () => new Map(r),
      rampRegions: () => new Set(ramp),
      subscribe: () => () => undefined,
    });
    scheduler.setTargets([spec("10.0.0.1:80"), spec("10.0.0.2:80")], web);
    await timers.advance(10);
    scheduler.addOverlay(overlay([["web@10.0.0.1:80", forced("down")]], [["eu", forced("down")]], ["eu"]));
    scheduler.addOverlay(overlay([["web@10.0.0.1:80", forced("draining")]], [], []));
    const view = scheduler.getCurrent();
    expect(view.target("web@10.0.0.1:80").state).toBe("draining");
    expect(view.target("web@10.0.0.2:80").state).toBe("up");
    expect(view.region("eu")?.state).toBe("down");
    expect(view.region("us")).toBeUndefined();
    expect(view.ttlRamp?.("eu")).toBe(true);
    expect(view.ttlRamp?.("us")).toBe(false);
    await scheduler.stop();
  });
});
