/**
 * Issue 4 acceptance: a drill fails its region over, reverts by itself and writes a report whose switch time
 * matches what DNS answered; an abort condition that holds skips a drill, or stops a running one.
 * Started by hand here (`gslb drill run --now`, 3 s); cron-drills.test.ts starts them by their schedule.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EU_ANSWER, lastReport, NA_ANSWER, spawnDrillServer } from "./drill-server.ts";
import { ADMIN_TOKEN, adminCall, answerOf, ask, waitUntil, type ServerProcess } from "./helpers.ts";
import { runGslb } from "../helpers/gslb-cli.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("drills");
const stateDir = join(dir.path, "state");
let server: ServerProcess;
const EU = { subnet: "81.2.69.0/24" };

beforeAll(async () => {
  server = await spawnDrillServer(
    dir.path,
    `drills:
  - { name: eu-drill, schedule: "0 4 1 1 *", duration: 3s, regions: [eu], observe: 1s, abort: { minHealthyOtherRegions: 1 } }
  - { name: impossible, duration: 3s, regions: [eu], observe: 1s, abort: { minHealthyOtherRegions: 5 } }
`,
  );
}, 15_000);
afterAll(async () => {
  await server?.stop();
  dir.remove();
});

const drill = (...args: string[]): ReturnType<typeof runGslb> =>
  runGslb(["drill", ...args, "--admin", server.admin, "--token", ADMIN_TOKEN]);

describe("drills", () => {
  it("fails the region over, reverts by itself and writes a report matching what DNS answered", async () => {
    const port = server.dnsPort;
    // Regression: the cron schedule (next run weeks away, past Node's 2^31-1 ms timer limit) must not start it.
    expect(await lastReport(server, "eu-drill")).toBeNull();
    expect(await answerOf(port, "www.drill.test.", EU)).toBe(EU_ANSWER);
    const asked = Date.now();
    expect((await drill("run", "eu-drill", "--now")).code).toBe(0);
    const switched = await waitUntil(
      () => answerOf(port, "www.drill.test.", EU),
      (a) => a === NA_ANSWER,
      2000,
      20,
    );
    const switchedAt = asked + switched.afterMs;
    // While the drill runs on a region the record may answer from, its TTL is the drill TTL.
    expect((await ask(port, "www.drill.test.", EU)).answer[0]?.ttl).toBe(5);
    const reverted = await waitUntil(
      () => answerOf(port, "www.drill.test.", EU),
      (a) => a === EU_ANSWER,
      6000,
      50,
    );
    expect(switched.afterMs + reverted.afterMs).toBeGreaterThanOrEqual(2500);

    const report = (
      await waitUntil(
        () => lastReport(server, "eu-drill"),
        (r) => r !== null,
        4000,
        100,
      )
    ).value!;
    expect(report).toMatchObject({
      drill: "eu-drill",
      regions: ["eu"],
      trigger: "manual",
      skipped: false,
      aborted: false,
    });
    expect(Math.abs(report.startedAt! - switchedAt)).toBeLessThanOrEqual(1000);
    expect(report.endedAt! - report.startedAt!).toBeGreaterThanOrEqual(2900);
    expect(report.answers.during["eu"] ?? 0).toBe(0);
    expect(report.answers.during["na"]).toBeGreaterThan(0);
    const files = readdirSync(join(stateDir, "drills"));
    expect(files.some((f) => f.startsWith("eu-drill-"))).toBe(true);
    const audit = readFileSync(join(stateDir, "audit.jsonl"), "utf8");
    expect(audit).toContain("drill.start");
    expect(audit).toContain("drill.end");
  }, 15_000);

  it("skips a drill whose abort condition holds at the start: the answer never moves", async () => {
    expect((await drill("run", "impossible", "--now")).code).toBe(0);
    const report = (
      await waitUntil(
        () => lastReport(server, "impossible"),
        (r) => r !== null,
        2000,
        50,
      )
    ).value!;
    expect(report).toMatchObject({ skipped: true, aborted: true, startedAt: null });
    expect(await answerOf(server.dnsPort, "www.drill.test.", EU)).toBe(EU_ANSWER);
  });

  it("stops a running drill when its abort condition starts to hold", async () => {
    const port = server.dnsPort;
    expect((await drill("run", "eu-drill", "--now")).code).toBe(0);
    await waitUntil(
      () => answerOf(port, "www.drill.test.", EU),
      (a) => a === NA_ANSWER,
      2000,
      20,
    );
    const set = await adminCall(server.admin, "POST", "/overrides", {
      scope: "region",
      name: "na",
      state: "down",
      reason: "lost na",
      for: "30s",
    });
    expect(set.status).toBe(201);
    const report = (
      await waitUntil(
        () => lastReport(server, "eu-drill"),
        (r) => r !== null && r.aborted,
        5000,
        100,
      )
    ).value!;
    expect(report.abortReason).toMatch(/healthy/);
    expect(report.endedAt! - report.startedAt!).toBeLessThan(2900);
    expect(await answerOf(port, "www.drill.test.", EU)).toBe(EU_ANSWER);
  }, 15_000);
});
