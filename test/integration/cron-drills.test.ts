/**
 * Issue 4 acceptance, driven by the schedule: "a drill scheduled every minute with a 20 s duration fails the
 * region over, reverts, and writes a report whose switch time matches what dig saw", scaled down to every
 * 10 s with a 3 s duration and a 2 s TTL ramp. `gslb serve --drills FILE` runs as a real process; real `dig`
 * polls it all along. A second cron drill whose abort condition holds is skipped and says why.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillReport } from "../../src/health/drills.ts";
import {
  DRILL_TTL,
  EU_ANSWER,
  HEALTHY_TTL,
  lastReport,
  NA_ANSWER,
  spawnDrillServer,
} from "./drill-server.ts";
import { waitUntil, type ServerProcess } from "./helpers.ts";
import { dig } from "../helpers/dig.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("cron-drills");
const stateDir = join(dir.path, "state");
const RAMP_MS = 2000;
const DURATION_MS = 3000;
/** The drill runner samples answers once a second: the report's switch time is this precise. */
const SAMPLE_MS = 1000;
const TOLERANCE_MS = 1500;

/** One dig run: when it was started and when it returned, and what it saw. */
interface Seen {
  readonly sentAt: number;
  readonly doneAt: number;
  readonly address: string;
  readonly ttl: number;
}

let server: ServerProcess;
const seen: Seen[] = [];
let polling = true;
let pollingSince = 0;
let poller: Promise<void> = Promise.resolve();

beforeAll(async () => {
  // eu-drill holds [T-2 s, T+4 s] around T = :00, :10, :20 …; the impossible one fires at :05, :15 … between.
  server = await spawnDrillServer(
    dir.path,
    `drills:
  - { name: eu-drill, schedule: "*/10 * * * * *", duration: ${DURATION_MS}ms, ttlRampLead: ${RAMP_MS}ms, regions: [eu], observe: 1s, abort: { minHealthyOtherRegions: 1 } }
  - { name: impossible, schedule: "5-59/10 * * * * *", duration: 3s, regions: [eu], observe: 1s, abort: { minHealthyOtherRegions: 5 } }
`,
  );
  pollingSince = Date.now();
  poller = poll(server.dnsPort);
}, 15_000);

afterAll(async () => {
  polling = false;
  await poller;
  await server?.stop();
  dir.remove();
});

/** dig as an EU client (ECS 81.2.69.0/24) every ~100 ms until the tests end. */
async function poll(port: number): Promise<void> {
  while (polling) {
    const sentAt = Date.now();
    const out = await dig([
      "@127.0.0.1",
      "-p",
      String(port),
      "www.drill.test",
      "A",
      "+subnet=81.2.69.0/24",
      "+noall",
      "+answer",
      "+time=1",
      "+tries=1",
    ]).catch(() => "");
    const doneAt = Date.now();
    // www.drill.test.  300  IN  A  192.0.2.11
    const fields = out.trim().split(/\s+/);
    if (fields.length === 5 && fields[3] === "A")
      seen.push({ sentAt, doneAt, ttl: Number(fields[1]), address: fields[4]! });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface AuditLine {
  readonly action: string;
  readonly by: string;
  readonly drill?: string;
  readonly report?: DrillReport;
}

function auditLines(): AuditLine[] {
  return readFileSync(join(stateDir, "audit.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as AuditLine);
}

describe("drills started by their cron schedule, watched with dig", () => {
  it("fails the region over after a TTL ramp, reverts by itself, and reports the switch time dig saw", async () => {
    // The first cycle whose ramp began while dig was already watching (one may be due right at boot).
    const report = (
      await waitUntil(
        () => lastReport(server, "eu-drill"),
        (r) => r !== null && r.scheduledFor - RAMP_MS > pollingSince + 500,
        21_000,
        200,
      )
    ).value!;
    expect(report).toMatchObject({
      drill: "eu-drill",
      regions: ["eu"],
      trigger: "schedule",
      by: "cron",
      skipped: false,
      aborted: false,
      abortReason: null,
    });
    expect(new Date(report.scheduledFor).getUTCSeconds() % 10).toBe(0);
    expect(report.startedAt! - report.scheduledFor).toBeGreaterThanOrEqual(0);
    expect(report.startedAt! - report.scheduledFor).toBeLessThan(TOLERANCE_MS);
    expect(report.endedAt! - report.startedAt!).toBeGreaterThanOrEqual(DURATION_MS - 100);
    expect(report.answers.during["eu"] ?? 0).toBe(0);
    expect(report.answers.during["na"]).toBeGreaterThan(0);
    expect(report.answers.before["eu"]).toBeGreaterThan(0);
    expect(report.answers.after["eu"]).toBeGreaterThan(0);

    const cycle = seen.filter(
      (s) => s.sentAt >= report.scheduledFor - RAMP_MS - 1000 && s.doneAt <= report.endedAt! + 1000,
    );
    const ramped = cycle.find((s) => s.ttl === DRILL_TTL);
    const switched = cycle.find((s) => s.address === NA_ANSWER);
    expect(ramped, "dig saw the drill TTL").toBeDefined();
    expect(switched, "dig saw the failover").toBeDefined();
    // Before the ramp: the EU answer with its healthy TTL; the ramp lowers the TTL while EU is still answered.
    expect(cycle[0]).toMatchObject({ address: EU_ANSWER, ttl: HEALTHY_TTL });
    expect(ramped!.address).toBe(EU_ANSWER);
    expect(ramped!.doneAt).toBeGreaterThanOrEqual(report.scheduledFor - RAMP_MS);
    expect(ramped!.sentAt - (report.scheduledFor - RAMP_MS)).toBeLessThan(TOLERANCE_MS);
    // The switch: the report's "answers stopped" time is the first dig that saw NA, within one sampling period.
    expect(report.answersStoppedAt).not.toBeNull();
    expect(Math.abs(switched!.doneAt - report.answersStoppedAt!)).toBeLessThanOrEqual(TOLERANCE_MS);
    const lastEu = cycle.filter((s) => s.sentAt < switched!.sentAt && s.address === EU_ANSWER).at(-1)!;
    expect(lastEu.sentAt).toBeLessThanOrEqual(report.answersStoppedAt! + SAMPLE_MS);
    expect(switched!.ttl).toBe(DRILL_TTL);
    // The revert, by itself: EU again with the healthy TTL soon after the end.
    const reverted = seen.find((s) => s.sentAt > switched!.sentAt && s.address === EU_ANSWER);
    expect(reverted, "dig saw the revert").toBeDefined();
    expect(reverted!.doneAt).toBeGreaterThanOrEqual(report.endedAt!);
    expect(reverted!.sentAt - report.endedAt!).toBeLessThan(TOLERANCE_MS);
    expect(reverted!.ttl).toBe(HEALTHY_TTL);
    expect(
      seen
        .filter((s) => s.sentAt > switched!.doneAt && s.doneAt < report.endedAt!)
        .every((s) => s.address === NA_ANSWER),
    ).toBe(true);

    const actions = auditLines()
      .filter((l) => l.by === "cron" && (l.drill === "eu-drill" || l.report?.drill === "eu-drill"))
      .map((l) => l.action);
    expect(actions).toEqual(
      expect.arrayContaining(["drill.pending", "drill.start", "drill.end", "drill.report"]),
    );
    expect(JSON.parse(readFileSync(report.reportFile!, "utf8"))).toEqual(report);
  }, 25_000);

  it("skips a scheduled drill whose abort condition holds, says why in the report and audit, and never moves the answer", async () => {
    const report = (
      await waitUntil(
        () => lastReport(server, "impossible"),
        (r) => r !== null && r.scheduledFor > pollingSince + 1000,
        12_000,
        200,
      )
    ).value!;
    expect(report).toMatchObject({
      drill: "impossible",
      trigger: "schedule",
      by: "cron",
      skipped: true,
      aborted: true,
      startedAt: null,
      answersStoppedAt: null,
    });
    expect(report.abortReason).toBe("only 1 other healthy region(s) (na), need 5");
    expect(new Date(report.scheduledFor).getUTCSeconds() % 10).toBe(5);
    const audited = auditLines().find((l) => l.action === "drill.report" && l.report?.drill === "impossible");
    expect(audited?.report).toMatchObject({ skipped: true, abortReason: report.abortReason });
    expect(auditLines().some((l) => l.action === "drill.start" && l.drill === "impossible")).toBe(false);
    const around = seen.filter((s) => Math.abs(s.sentAt - report.scheduledFor) <= 1000);
    expect(around.length).toBeGreaterThan(0);
    expect(around.every((s) => s.address === EU_ANSWER)).toBe(true);
  }, 15_000);
});
