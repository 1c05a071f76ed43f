import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryAuditLog } from "../../src/health/audit.ts";
import { parseDrills } from "../../src/health/drill-schema.ts";
import { DrillRunner, type DrillReport } from "../../src/health/drills.ts";
import { ManualTimers } from "../../src/health/timers.ts";
import { InputError } from "../../src/errors.ts";
import { tempDirs } from "../helpers/temp-dir.ts";

const T0 = Date.UTC(2026, 0, 1, 0, 0, 5);
const MINUTE_MARK = Date.UTC(2026, 0, 1, 0, 1, 0);
const dirs = tempDirs("drill");
afterAll(() => dirs.removeAll());

const DRILLS = `
drills:
  - name: eu-out
    schedule: "* * * * *"
    timezone: UTC
    duration: 20s
    regions: [eu]
    ttlRampLead: 10s
    observe: 10s
    abort:
      minHealthyOtherRegions: 1
`;

/**
 * A world of two regions answering 10 queries a second each — unless the drill forces one down, in which
 * case its share goes to the other. `healthy` lists the regions the coordinator would call healthy.
 */
/** Timers that fire `earlyMs` before they are due, as Node's can against the wall clock. */
class EarlyTimers extends ManualTimers {
  private readonly earlyMs: number;
  constructor(start: number, earlyMs: number) {
    super(start);
    this.earlyMs = earlyMs;
  }
  override setTimeout(callback: () => void, ms: number) {
    return super.setTimeout(callback, ms > this.earlyMs ? ms - this.earlyMs : ms);
  }
}

function world(yaml = DRILLS, timers: ManualTimers = new ManualTimers(T0)) {
  const audit = new MemoryAuditLog();
  const counts = new Map([
    ["eu", 0],
    ["us", 0],
  ]);
  const healthy = { regions: ["eu", "us"] };
  const reportDir = dirs.make();
  const runner = new DrillRunner({
    timers,
    audit,
    reportDir,
    healthyRegions: () => healthy.regions,
    answersByRegion: () => counts,
  });
  runner.setDrills(parseDrills(yaml, "drills.yaml"));
  const step = async (seconds: number): Promise<void> => {
    for (let i = 0; i < seconds; i++) {
      const euDown = runner.regions().get("eu")?.state === "down";
      counts.set("us", counts.get("us")! + (euDown ? 20 : 10));
      counts.set("eu", counts.get("eu")! + (euDown ? 0 : 10));
      await timers.advance(1000);
    }
  };
  return { timers, audit, counts, healthy, runner, step, reportDir };
}

function lastReport(runner: DrillRunner): DrillReport {
  return runner.history().at(-1)!;
}

describe("drill lifecycle", () => {
  it("ramps TTL, fails the region over, reverts by itself and reports", async () => {
    const { timers, audit, runner, step } = world();
    expect(runner.status()[0]).toMatchObject({ name: "eu-out", phase: "idle", nextRun: MINUTE_MARK });
    await step(44);
    expect(runner.rampRegions().has("eu")).toBe(false);
    await step(2);
    expect(timers.now()).toBe(MINUTE_MARK - 9000);
    expect(runner.rampRegions().has("eu")).toBe(true);
    expect(runner.regions().size).toBe(0);
    expect(runner.status()[0]!.phase).toBe("pending");
    await step(9);
    expect(runner.regions().get("eu")).toMatchObject({ state: "down", source: "drill" });
    expect(runner.status()[0]!.phase).toBe("running");
    await step(20);
    expect(runner.regions().size).toBe(0);
    expect(runner.rampRegions().size).toBe(0);
    await step(10);
    const report = lastReport(runner);
    expect(report).toMatchObject({
      drill: "eu-out",
      trigger: "schedule",
      startedAt: MINUTE_MARK,
      endedAt: MINUTE_MARK + 20_000,
      aborted: false,
      skipped: false,
    });
    expect(report.answersStoppedAt! - report.startedAt!).toBeLessThanOrEqual(1000);
    expect(report.answers.during["eu"]).toBe(0);
    expect(report.answers.during["us"]).toBe(400);
    expect(report.answers.before["eu"]).toBeGreaterThan(0);
    expect(report.answers.after["eu"]).toBeGreaterThan(0);
    expect(report.windowsMs).toEqual({ before: 10_000, during: 20_000, after: 10_000 });
    expect(audit.records.map((r) => r.action)).toEqual([
      "drill.pending",
      "drill.start",
      "drill.end",
      "drill.report",
    ]);
    await timers.advance(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(report.reportFile!, "utf8"))).toEqual(report);
    expect(runner.status()[0]!.nextRun).toBe(MINUTE_MARK + 60_000);
    runner.stop();
  });

  it("never starts before its scheduled time when timers fire early", async () => {
    const { timers, runner } = world(DRILLS, new EarlyTimers(T0, 2));
    while (runner.status()[0]!.phase !== "running") await timers.advance(1);
    expect(timers.now()).toBe(MINUTE_MARK);
    expect(runner.regions().get("eu")).toMatchObject({ state: "down", source: "drill" });
    runner.stop();
  });

  it("takes each occurrence once when the schedule's timer fires early (no second run of the same time)", async () => {
    const { timers, runner, audit } = world(DRILLS, new EarlyTimers(T0, 2));
    while (runner.status()[0]!.phase !== "pending") await timers.advance(1);
    await timers.advance(5);
    expect(runner.history()).toEqual([]);
    expect(runner.status()[0]!.nextRun).toBe(MINUTE_MARK + 60_000);
    while (runner.status()[0]!.phase !== "running") await timers.advance(1);
    expect(audit.records.map((r) => r.action)).toEqual(["drill.pending", "drill.start"]);
    runner.stop();
  });

  it("skips the drill when too few other regions are healthy at the start", async () => {
    const { runner, healthy, step, audit } = world();
    healthy.regions = ["eu"];
    await step(60);
    expect(runner.regions().size).toBe(0);
    expect(lastReport(runner)).toMatchObject({ skipped: true, aborted: true, startedAt: null });
    expect(lastReport(runner).abortReason).toMatch(/only 0 other healthy region/);
    expect(audit.records.map((r) => r.action)).toEqual(["drill.pending", "drill.report"]);
    runner.stop();
  });

  it("stops a running drill as soon as the abort condition holds", async () => {
    const { runner, healthy, step } = world();
    await step(60);
    expect(runner.regions().get("eu")?.state).toBe("down");
    healthy.regions = ["eu"];
    await step(2);
    expect(runner.regions().size).toBe(0);
    await step(10);
    const report = lastReport(runner);
    expect(report).toMatchObject({ aborted: true, skipped: false });
    expect(report.endedAt! - report.startedAt!).toBeLessThan(20_000);
    runner.stop();
  });

  it("runs by hand at once, refuses a second run, and stops on request", async () => {
    const { runner, step, timers } = world(DRILLS.replace('    schedule: "* * * * *"\n', ""));
    await step(5);
    expect(runner.runNow("nope")).toMatchObject({ ok: false, status: 404 });
    expect(runner.runNow("eu-out", "alice")).toMatchObject({ ok: true });
    expect(runner.regions().get("eu")?.state).toBe("down");
    expect(runner.runNow("eu-out")).toMatchObject({ ok: false, status: 409 });
    await step(3);
    expect(runner.stopRun("eu-out", "bob")).toMatchObject({ ok: true });
    expect(runner.regions().size).toBe(0);
    expect(runner.stopRun("eu-out")).toMatchObject({ ok: false, status: 409 });
    await step(10);
    expect(lastReport(runner)).toMatchObject({
      trigger: "manual",
      by: "alice",
      aborted: true,
      abortReason: "stopped by bob",
      startedAt: T0 + 5000,
    });
    expect(lastReport(runner).answers.before["eu"]).toBe(50);
    expect(timers.now()).toBe(T0 + 18_000);
    runner.stop();
  });
});

describe("drills file", () => {
  it("parses with defaults", () => {
    const [drill] = parseDrills(
      "drills:\n  - name: a\n    schedule: '0 3 * * 2'\n    duration: 1m\n    regions: [eu]\n",
      "d.yaml",
    );
    expect(drill).toMatchObject({
      duration: 60_000,
      ttlRampLead: 0,
      abort: { minHealthyOtherRegions: 1 },
      enabled: true,
    });
  });

  it.each([
    [
      "drills:\n  - name: a\n    schedule: '61 * * * *'\n    duration: 1m\n    regions: [eu]\n",
      "d.yaml:3: drills[0].schedule: invalid cron pattern",
    ],
    ["drills:\n  - name: a\n    duration: 1m\n    regions: []\n", "d.yaml:4: drills[0].regions:"],
    [
      "drills:\n  - name: a\n    duration: soon\n    regions: [eu]\n",
      "d.yaml:3: drills[0].duration: invalid duration",
    ],
    [
      "drills:\n  - name: a\n    duration: 1m\n    regions: [eu]\n    timezone: Mars/Base\n",
      "d.yaml:5: drills[0].timezone: unknown time zone",
    ],
    [
      "drills:\n  - name: a\n    duration: 1m\n    regions: [eu]\n  - name: a\n    duration: 1m\n    regions: [us]\n",
      "d.yaml:5: drills[1].name: duplicate drill",
    ],
    ["drills: [\n", "d.yaml:"],
  ])("reports %j as file:line: path: reason", (yaml, expected) => {
    let error: unknown;
    try {
      parseDrills(yaml, "d.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe("GSLB_ERR_DRILL_INVALID");
    expect((error as InputError).message).toContain(expected);
  });
});
