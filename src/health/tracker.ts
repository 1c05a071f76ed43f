/**
 * Anti-flap state of one target (STYLE §5, gdnsd `mon.c`): the state changes only after `fall` consecutive
 * failures (up → down) or `rise` consecutive successes (down → up). Until the first result the state is
 * "unknown" and the first result decides at once; with "assume up" the target starts up and needs `fall`
 * failures to go down, like any up target.
 * RTT is smoothed as an EWMA of successful probes; every up↔down transition counts as a flap.
 */
import type { ProbeResult } from "./probes/probe.ts";

export type TrackedState = "up" | "down" | "unknown";

/** What a restart restores from the state file. */
export interface SavedTargetState {
  readonly state: "up" | "down";
  readonly since: number;
  readonly rttMs: number | null;
  readonly flaps: number;
  readonly detail: string;
}

export interface TrackerSnapshot {
  readonly state: TrackedState;
  /** Epoch ms of the last transition (or of the tracker's creation). */
  readonly since: number;
  readonly rttMs: number | null;
  readonly flaps: number;
  /** The last result's detail (a failure's reason while failing). */
  readonly detail: string;
  /** True until a probe result has been seen by this process: the state is assumed, unknown or restored. */
  readonly provisional: boolean;
}

export interface Transition {
  readonly from: TrackedState;
  readonly to: "up" | "down";
  readonly at: number;
  readonly detail: string;
}

export interface TrackerOptions {
  readonly rise: number;
  readonly fall: number;
  /** "unknown": no answer goes to the target until its first result; "up": assume up until told otherwise. */
  readonly initial: "unknown" | "up";
  /** Weight of the newest RTT sample, 0 < alpha <= 1. */
  readonly rttAlpha?: number;
}

export class Tracker {
  private rise: number;
  private fall: number;
  private readonly rttAlpha: number;
  private state: TrackedState;
  private since: number;
  private rttMs: number | null = null;
  private flaps = 0;
  private detail: string;
  private provisional = true;
  private okStreak = 0;
  private failStreak = 0;

  constructor(options: TrackerOptions, now: number, saved?: SavedTargetState) {
    this.rise = options.rise;
    this.fall = options.fall;
    this.rttAlpha = options.rttAlpha ?? 0.3;
    this.state = saved?.state ?? options.initial;
    this.since = saved?.since ?? now;
    this.rttMs = saved?.rttMs ?? null;
    this.flaps = saved?.flaps ?? 0;
    this.detail = saved === undefined ? initialDetail(options.initial) : `restored: ${saved.detail}`;
  }

  /** Feeds one probe result; returns the transition it caused, if any. */
  record(result: ProbeResult, now: number): Transition | undefined {
    this.provisional = false;
    this.detail = result.detail;
    if (result.ok) {
      this.okStreak += 1;
      this.failStreak = 0;
      if (result.rttMs !== null) this.rttMs = this.smooth(result.rttMs);
    } else {
      this.failStreak += 1;
      this.okStreak = 0;
    }
    const next = this.nextState(result.ok);
    if (next === this.state) return undefined;
    return this.transition(next, now);
  }

  /** Thresholds may change on reload; streaks carry over. */
  retune(rise: number, fall: number): void {
    this.rise = rise;
    this.fall = fall;
  }

  snapshot(): TrackerSnapshot {
    return {
      state: this.state,
      since: this.since,
      rttMs: this.rttMs,
      flaps: this.flaps,
      detail: this.detail,
      provisional: this.provisional,
    };
  }

  private nextState(ok: boolean): "up" | "down" {
    switch (this.state) {
      case "unknown":
        return ok ? "up" : "down";
      case "up":
        return this.failStreak >= this.fall ? "down" : "up";
      case "down":
        return this.okStreak >= this.rise ? "up" : "down";
    }
  }

  private transition(to: "up" | "down", now: number): Transition {
    const from = this.state;
    if (from !== "unknown") this.flaps += 1;
    this.state = to;
    this.since = now;
    this.okStreak = 0;
    this.failStreak = 0;
    return { from, to, at: now, detail: this.detail };
  }

  private smooth(sample: number): number {
    return this.rttMs === null ? sample : this.rttMs + this.rttAlpha * (sample - this.rttMs);
  }
}

function initialDetail(initial: "unknown" | "up"): string {
  return initial === "up" ? "assumed up until the first probe" : "waiting for the first probe";
}
