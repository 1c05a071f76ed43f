/**
 * Scheduled, self-reverting regional failover drills. For each enabled drill with a schedule the runner
 * arms a timer for `ttlRampLead` before the next cron time (the regions' answers switch to the drill TTL),
 * then at the start checks the abort condition (skip when it holds), forces the regions down (source
 * "drill"), and reverts after `duration` — sooner if the abort condition starts to hold. While drills are
 * configured, answers served per region are sampled each `sampleMs` (a short ring covers the "before"
 * window); after an `observe` window past the end, the report is written and audited.
 * The runner is a HealthOverlay; one drill runs at a time.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { AuditLog } from "./audit.ts";
import { cronSchedule, type CronSchedule } from "./cron.ts";
import type { Drill } from "./drill-schema.ts";
import type { HealthMetrics } from "./metrics.ts";
import { Listeners, type HealthOverlay } from "./overlay.ts";
import type { TargetHealth } from "./table.ts";
import { realTimers, type TimerHandle, type Timers } from "./timers.ts";

export type DrillPhase = "idle" | "pending" | "running" | "observing";

export interface DrillReport {
  readonly drill: string;
  readonly regions: readonly string[];
  readonly trigger: "schedule" | "manual";
  readonly by: string;
  /** Epoch ms. */
  readonly scheduledFor: number;
  readonly startedAt: number | null;
  /**
   * When answers for the drilled regions stopped: the last sample time at which their counts still grew, or
   * the start when they never grew after it (precision: one `sampleMs`). Null when the drill did not start.
   */
  readonly answersStoppedAt: number | null;
  readonly endedAt: number | null;
  readonly skipped: boolean;
  readonly aborted: boolean;
  readonly abortReason: string | null;
  /** Answers served per region in the windows before, during and after the drill. */
  readonly answers: {
    readonly before: Readonly<Record<string, number>>;
    readonly during: Readonly<Record<string, number>>;
    readonly after: Readonly<Record<string, number>>;
  };
  readonly windowsMs: { readonly before: number; readonly during: number; readonly after: number };
  readonly reportFile: string | null;
}

export interface DrillStatus {
  readonly name: string;
  readonly phase: DrillPhase;
  readonly regions: readonly string[];
  readonly nextRun: number | null;
  readonly lastReport: DrillReport | null;
}

export interface DrillRunnerOptions {
  readonly timers?: Timers;
  /** Regions (pools) healthy right now, per the current HealthView (the coordinator computes this). */
  readonly healthyRegions: () => readonly string[];
  /** Cumulative answers served per region since start (the DNS server's counters). */
  readonly answersByRegion: () => ReadonlyMap<string, number>;
  readonly audit?: AuditLog;
  readonly metrics?: HealthMetrics;
  readonly logger?: Pick<Logger, "info" | "warn">;
  /** Reports go here as `<drill>-<start ISO>.json`; without it they are kept in memory only. */
  readonly reportDir?: string;
  /** Sampling period of answers and of the abort condition while a drill is on. */
  readonly sampleMs?: number;
}

interface Sample {
  readonly at: number;
  readonly counts: ReadonlyMap<string, number>;
}

interface Run {
  readonly drill: Drill;
  readonly trigger: "schedule" | "manual";
  readonly by: string;
  readonly scheduledFor: number;
  phase: DrillPhase;
  startedAt: number | null;
  endedAt: number | null;
  answersStoppedAt: number | null;
  aborted: boolean;
  abortReason: string | null;
  beforeSample: Sample | undefined;
  startSample: Sample | undefined;
  endSample: Sample | undefined;
  lastSample: Sample | undefined;
}

interface Slot {
  readonly drill: Drill;
  readonly schedule: CronSchedule | undefined;
  nextRun: number | null;
  timer: TimerHandle | undefined;
  lastReport: DrillReport | null;
}

type ActionResult = { ok: true; run: DrillStatus } | { ok: false; status: 404 | 409; error: string };

export class DrillRunner implements HealthOverlay {
  private readonly timers: Timers;
  private readonly options: DrillRunnerOptions;
  private readonly sampleMs: number;
  private readonly listeners = new Listeners();
  private slots = new Map<string, Slot>();
  private run: Run | undefined;
  private runTimer: TimerHandle | undefined;
  private sampleTimer: TimerHandle | undefined;
  private samples: Sample[] = [];
  private forced: ReadonlyMap<string, TargetHealth> = new Map();
  private ramp: ReadonlySet<string> = new Set();
  private readonly reports: DrillReport[] = [];

  constructor(options: DrillRunnerOptions) {
    this.options = options;
    this.timers = options.timers ?? realTimers;
    this.sampleMs = options.sampleMs ?? 1000;
  }

  /** Replaces the drill set (drills file loaded or reloaded). A running drill keeps running to its end. */
  setDrills(drills: readonly Drill[]): void {
    for (const slot of this.slots.values())
      if (slot.timer !== undefined) this.timers.clearTimeout(slot.timer);
    const previous = this.slots;
    this.slots = new Map(
      drills.map((drill) => [
        drill.name,
        {
          drill,
          schedule:
            drill.enabled && drill.schedule !== undefined
              ? cronSchedule(drill.schedule, drill.timezone)
              : undefined,
          nextRun: null,
          timer: undefined,
          lastReport: previous.get(drill.name)?.lastReport ?? null,
        },
      ]),
    );
    for (const slot of this.slots.values()) this.arm(slot);
    if (this.slots.size > 0) this.startSampling();
    else this.stopSamplingIfIdle();
  }

  status(): DrillStatus[] {
    return [...this.slots.values()].map((slot) => this.statusOf(slot));
  }

  /** Every report written since start, oldest first. */
  history(): readonly DrillReport[] {
    return this.reports;
  }

  /** `gslb drill run NAME --now`: starts at once (no ramp-down), unless a drill is already on. */
  runNow(name: string, by = "admin"): ActionResult {
    const slot = this.slots.get(name);
    if (slot === undefined) return { ok: false, status: 404, error: `no drill "${name}"` };
    if (this.run !== undefined)
      return { ok: false, status: 409, error: `drill "${this.run.drill.name}" is ${this.run.phase}` };
    this.run = this.newRun(slot.drill, "manual", by, this.timers.now());
    this.startSampling();
    this.begin();
    return { ok: true, run: this.statusOf(slot) };
  }

  /** Ends a pending or running drill now, as an abort. */
  stopRun(name: string, by = "admin"): ActionResult {
    const run = this.run;
    const slot = this.slots.get(name);
    if (slot === undefined) return { ok: false, status: 404, error: `no drill "${name}"` };
    if (
      run === undefined ||
      run.drill.name !== name ||
      (run.phase !== "running" && run.phase !== "pending")
    ) {
      return { ok: false, status: 409, error: `drill "${name}" is not running` };
    }
    this.abort(run, `stopped by ${by}`);
    return { ok: true, run: this.statusOf(slot) };
  }

  targets(): ReadonlyMap<string, TargetHealth> {
    return EMPTY_MAP;
  }

  regions(): ReadonlyMap<string, TargetHealth> {
    return this.forced;
  }

  rampRegions(): ReadonlySet<string> {
    return this.ramp;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** Stops timers; a running drill is reverted (and reported as aborted). */
  stop(): void {
    if (this.run?.phase === "running" || this.run?.phase === "pending")
      this.abort(this.run, "server stopping");
    if (this.run?.phase === "observing") {
      if (this.runTimer !== undefined) this.timers.clearTimeout(this.runTimer);
      this.report(this.run);
    }
    for (const slot of this.slots.values())
      if (slot.timer !== undefined) this.timers.clearTimeout(slot.timer);
    for (const timer of [this.runTimer, this.sampleTimer])
      if (timer !== undefined) this.timers.clearTimeout(timer);
    this.runTimer = undefined;
    this.sampleTimer = undefined;
    this.slots = new Map();
  }

  private arm(slot: Slot): void {
    if (slot.schedule === undefined) return;
    const now = this.timers.now();
    // Strictly after the occurrence just taken: a timer that fired early would otherwise find it again.
    const next = slot.schedule.nextAfter(Math.max(now + slot.drill.ttlRampLead, slot.nextRun ?? -Infinity));
    slot.nextRun = next;
    if (next === null) return;
    slot.timer = this.timers.setTimeout(
      () => {
        slot.timer = undefined;
        this.onScheduled(slot, next);
      },
      next - slot.drill.ttlRampLead - now,
    );
  }

  private onScheduled(slot: Slot, scheduledFor: number): void {
    this.arm(slot);
    if (this.run !== undefined) {
      this.finishSkipped(
        this.newRun(slot.drill, "schedule", "cron", scheduledFor),
        `drill "${this.run.drill.name}" is ${this.run.phase}`,
      );
      return;
    }
    const run = this.newRun(slot.drill, "schedule", "cron", scheduledFor);
    this.run = run;
    this.startSampling();
    run.phase = "pending";
    this.ramp = new Set(slot.drill.regions);
    this.options.metrics?.setDrill(slot.drill.name, "pending");
    this.audit("drill.pending", run, { scheduledFor: iso(scheduledFor) });
    this.listeners.notify();
    this.runTimer = this.timers.setTimeout(() => this.begin(), scheduledFor - this.timers.now());
  }

  private begin(): void {
    const run = this.run!;
    this.runTimer = undefined;
    // Node's timers run on the loop's cached monotonic time and can fire a millisecond or two early by the
    // wall clock the schedule is in: a drill never starts before its time.
    const early = run.scheduledFor - this.timers.now();
    if (early > 0) {
      this.runTimer = this.timers.setTimeout(() => this.begin(), early);
      return;
    }
    const problem = this.abortProblem(run.drill);
    if (problem !== undefined) {
      this.run = undefined;
      this.ramp = new Set();
      this.listeners.notify();
      this.finishSkipped(run, problem);
      return;
    }
    const now = this.timers.now();
    run.phase = "running";
    run.startedAt = now;
    run.answersStoppedAt = now;
    run.beforeSample = this.sampleAtOrBefore(now - this.observeMs(run.drill));
    run.startSample = this.takeSample();
    this.forced = new Map(run.drill.regions.map((region) => [region, drillHealth(run, now)]));
    this.ramp = new Set(run.drill.regions);
    this.options.metrics?.setDrill(run.drill.name, "running");
    this.audit("drill.start", run, { startedAt: iso(now) });
    this.options.logger?.info(
      { event: "drill_start", drill: run.drill.name, regions: run.drill.regions },
      `drill ${run.drill.name} started`,
    );
    this.listeners.notify();
    this.runTimer = this.timers.setTimeout(() => this.end(run), run.drill.duration);
  }

  private abort(run: Run, reason: string): void {
    run.aborted = true;
    run.abortReason = reason;
    if (run.phase === "pending") {
      if (this.runTimer !== undefined) this.timers.clearTimeout(this.runTimer);
      this.run = undefined;
      this.ramp = new Set();
      this.listeners.notify();
      this.finishSkipped(run, reason);
      return;
    }
    this.end(run);
  }

  private end(run: Run): void {
    if (run.phase !== "running") return;
    if (this.runTimer !== undefined) this.timers.clearTimeout(this.runTimer);
    const now = this.timers.now();
    run.phase = "observing";
    run.endedAt = now;
    run.endSample = this.takeSample();
    this.noteAnswers(run, run.endSample);
    this.forced = new Map();
    this.ramp = new Set();
    this.options.metrics?.setDrill(run.drill.name, "idle");
    this.audit(run.aborted ? "drill.abort" : "drill.end", run, {
      endedAt: iso(now),
      reason: run.abortReason,
    });
    this.options.logger?.info(
      { event: "drill_end", drill: run.drill.name, aborted: run.aborted, reason: run.abortReason },
      `drill ${run.drill.name} ${run.aborted ? `aborted: ${run.abortReason ?? ""}` : "ended"}`,
    );
    this.listeners.notify();
    this.runTimer = this.timers.setTimeout(() => this.report(run), this.observeMs(run.drill));
  }

  private report(run: Run): void {
    this.runTimer = undefined;
    const after = this.takeSample();
    const report = this.buildReport(run, {
      before: diff(run.beforeSample, run.startSample),
      during: diff(run.startSample, run.endSample),
      after: diff(run.endSample, after),
      windows: {
        before: run.startSample!.at - (run.beforeSample?.at ?? run.startSample!.at),
        during: run.endSample!.at - run.startSample!.at,
        after: after.at - run.endSample!.at,
      },
    });
    this.run = undefined;
    this.stopSamplingIfIdle();
    this.publishReport(report);
  }

  private finishSkipped(run: Run, reason: string): void {
    run.aborted = true;
    run.abortReason = reason;
    this.options.metrics?.setDrill(run.drill.name, "idle");
    const report = this.buildReport(
      run,
      { before: {}, during: {}, after: {}, windows: { before: 0, during: 0, after: 0 } },
      true,
    );
    this.options.logger?.warn(
      { event: "drill_skipped", drill: run.drill.name, reason },
      `drill ${run.drill.name} skipped: ${reason}`,
    );
    this.stopSamplingIfIdle();
    this.publishReport(report);
  }

  private buildReport(
    run: Run,
    counts: {
      before: Record<string, number>;
      during: Record<string, number>;
      after: Record<string, number>;
      windows: DrillReport["windowsMs"];
    },
    skipped = false,
  ): DrillReport {
    const at = run.startedAt ?? run.scheduledFor;
    const file =
      this.options.reportDir === undefined
        ? null
        : join(this.options.reportDir, `${run.drill.name}-${iso(at).replace(/[:.]/g, "-")}.json`);
    return {
      drill: run.drill.name,
      regions: run.drill.regions,
      trigger: run.trigger,
      by: run.by,
      scheduledFor: run.scheduledFor,
      startedAt: run.startedAt,
      answersStoppedAt: run.answersStoppedAt,
      endedAt: run.endedAt,
      skipped,
      aborted: run.aborted,
      abortReason: run.abortReason,
      answers: { before: counts.before, during: counts.during, after: counts.after },
      windowsMs: counts.windows,
      reportFile: file,
    };
  }

  private publishReport(report: DrillReport): void {
    this.reports.push(report);
    const slot = this.slots.get(report.drill);
    if (slot !== undefined) slot.lastReport = report;
    this.options.audit?.append({
      time: iso(this.timers.now()),
      action: "drill.report",
      by: report.by,
      report,
    });
    if (report.reportFile !== null) {
      const file = report.reportFile;
      mkdir(this.options.reportDir!, { recursive: true })
        .then(() => writeFile(file, `${JSON.stringify(report, null, 2)}\n`, "utf8"))
        .catch((error: unknown) =>
          this.options.logger?.warn({ err: error, file }, "drill report not written"),
        );
    }
  }

  private abortProblem(drill: Drill): string | undefined {
    const others = this.options.healthyRegions().filter((r) => !drill.regions.includes(r));
    const needed = drill.abort.minHealthyOtherRegions;
    if (others.length >= needed) return undefined;
    return `only ${others.length} other healthy region(s) (${others.join(", ") || "none"}), need ${needed}`;
  }

  private startSampling(): void {
    if (this.sampleTimer !== undefined) return;
    this.takeSample();
    const tick = (): void => {
      const sample = this.takeSample();
      const run = this.run;
      if (run?.phase === "running") {
        this.noteAnswers(run, sample);
        const problem = this.abortProblem(run.drill);
        if (problem !== undefined) this.abort(run, problem);
      }
      this.sampleTimer =
        this.run === undefined && this.slots.size === 0
          ? undefined
          : this.timers.setTimeout(tick, this.sampleMs);
    };
    this.sampleTimer = this.timers.setTimeout(tick, this.sampleMs);
  }

  private stopSamplingIfIdle(): void {
    if (this.run !== undefined || this.slots.size > 0 || this.sampleTimer === undefined) return;
    this.timers.clearTimeout(this.sampleTimer);
    this.sampleTimer = undefined;
  }

  /** While the drilled regions' counts still grow between samples, answers have not stopped yet. */
  private noteAnswers(run: Run, sample: Sample): void {
    const previous = run.lastSample ?? run.startSample;
    run.lastSample = sample;
    if (previous === undefined) return;
    const grew = run.drill.regions.some((r) => (sample.counts.get(r) ?? 0) > (previous.counts.get(r) ?? 0));
    if (grew) run.answersStoppedAt = sample.at;
  }

  private takeSample(): Sample {
    const sample = { at: this.timers.now(), counts: new Map(this.options.answersByRegion()) };
    this.samples.push(sample);
    const keep = Math.max(0, ...[...this.slots.values()].map((s) => this.observeMs(s.drill)));
    const oldest = sample.at - keep - this.sampleMs;
    while (this.samples.length > 1 && this.samples[0]!.at < oldest) this.samples.shift();
    return sample;
  }

  private sampleAtOrBefore(at: number): Sample | undefined {
    let found = this.samples[0];
    for (const sample of this.samples) if (sample.at <= at) found = sample;
    return found;
  }

  private observeMs(drill: Drill): number {
    return drill.observe ?? drill.duration;
  }

  private newRun(drill: Drill, trigger: "schedule" | "manual", by: string, scheduledFor: number): Run {
    return {
      drill,
      trigger,
      by,
      scheduledFor,
      phase: "idle",
      startedAt: null,
      endedAt: null,
      answersStoppedAt: null,
      aborted: false,
      abortReason: null,
      beforeSample: undefined,
      startSample: undefined,
      endSample: undefined,
      lastSample: undefined,
    };
  }

  private statusOf(slot: Slot): DrillStatus {
    const phase = this.run?.drill.name === slot.drill.name ? this.run.phase : "idle";
    return {
      name: slot.drill.name,
      phase,
      regions: slot.drill.regions,
      nextRun: slot.nextRun,
      lastReport: slot.lastReport,
    };
  }

  private audit(action: string, run: Run, detail: Record<string, unknown>): void {
    this.options.audit?.append({
      time: iso(this.timers.now()),
      action,
      by: run.by,
      drill: run.drill.name,
      regions: run.drill.regions,
      ...detail,
    });
  }
}

const EMPTY_MAP: ReadonlyMap<string, TargetHealth> = new Map();

function drillHealth(run: Run, now: number): TargetHealth {
  return Object.freeze({
    state: "down",
    rttMs: null,
    since: now,
    source: "drill",
    reason: `drill ${run.drill.name} until ${iso(now + run.drill.duration)}`,
  });
}

function diff(from: Sample | undefined, to: Sample | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (to === undefined) return out;
  // A region absent from the earlier sample had served nothing yet (its counter starts at its first answer).
  for (const [region, count] of to.counts)
    out[region] = from === undefined ? 0 : count - (from.counts.get(region) ?? 0);
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
