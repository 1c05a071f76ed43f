/**
 * The prober (DESIGN §2 "A probe result"): one probe per (check, probe address) however many records share
 * it, each on its check's interval with jitter, under one global concurrency cap. Results go through the
 * anti-flap tracker; a state change builds a new immutable HealthView (overlays folded in) and swaps it,
 * writes one log line, and saves the states. RTT-only changes are published at most once per
 * `rttPublishMs`, so a steady probe load does not rebuild the table on every result.
 */
import type { Logger } from "pino";
import type { Check } from "./check-schema.ts";
import type { HealthMetrics } from "./metrics.ts";
import type { HealthOverlay } from "./overlay.ts";
import { Listeners } from "./overlay.ts";
import {
  parseProbeAddress,
  probeError,
  type Probe,
  type ProbeResult,
  type ProbeTarget,
} from "./probes/probe.ts";
import { createProbe, type CheckLookup } from "./probes/registry.ts";
import { StaticHealthView, targetKey, type HealthView, type TargetHealth } from "./table.ts";
import { realTimers, type TimerHandle, type Timers } from "./timers.ts";
import { ErrorCodes, GslbError } from "../errors.ts";
import { Tracker, type SavedTargetState, type TrackerSnapshot, type Transition } from "./tracker.ts";

/** One thing to probe: a check (by its global name) against a probe address ("10.0.0.1", "[::1]:8080"). */
export interface HealthTargetSpec {
  readonly check: string;
  readonly address: string;
}

export type ProbeFactory = (checkName: string, checks: CheckLookup) => Probe;

export interface SchedulerOptions {
  /** "unknown": a target is down (source "assumed") until its first result; "up": assumed up until then. */
  readonly initial?: "unknown" | "up";
  /** At most this many probes in flight at once. */
  readonly maxConcurrent?: number;
  readonly timers?: Timers;
  /** Uniform [0, 1): jitter and first-run spread. */
  readonly random?: () => number;
  readonly probeFactory?: ProbeFactory;
  readonly logger?: Pick<Logger, "info" | "warn">;
  readonly metrics?: HealthMetrics;
  /** States from the state file: targets start from them instead of `initial`. */
  readonly saved?: ReadonlyMap<string, SavedTargetState>;
  /** Called with every target's last known state after each state change (the state file). */
  readonly persist?: (targets: ReadonlyMap<string, SavedTargetState>) => void;
  readonly rttPublishMs?: number;
  /**
   * Probe starts are rounded up to a multiple of this (ms) and share one timer per slot, so the probes of
   * many targets start in one event-loop wake and go to the prober in one batch: 1,000 targets at 1 s wake
   * the query thread at most 40 times a second (default 25 ms) instead of ~1,000 (each wake costs it tens
   * of µs; scripts/bench/probes.ts).
   * 0: exact times (targets due at the same instant still share a timer).
   */
  readonly coalesceMs?: number;
}

interface Entry {
  readonly key: string;
  readonly spec: HealthTargetSpec;
  readonly target: ProbeTarget;
  check: Check;
  probe: Probe;
  readonly tracker: Tracker;
  /** Due time of the slot it waits in, if armed. */
  slot: number | undefined;
  controller: AbortController | undefined;
  queued: boolean;
  removed: boolean;
}

interface Slot {
  readonly timer: TimerHandle;
  readonly entries: Set<Entry>;
}

interface ProbeUse {
  readonly probe: Probe;
  readonly fingerprint: string;
  users: number;
}

export class Scheduler {
  private readonly initial: "unknown" | "up";
  private readonly maxConcurrent: number;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly probeFactory: ProbeFactory;
  private readonly logger: Pick<Logger, "info" | "warn"> | undefined;
  private readonly metrics: HealthMetrics | undefined;
  private readonly saved: ReadonlyMap<string, SavedTargetState>;
  private readonly persist: ((targets: ReadonlyMap<string, SavedTargetState>) => void) | undefined;
  private readonly rttPublishMs: number;
  private readonly coalesceMs: number;

  private readonly entries = new Map<string, Entry>();
  private readonly probes = new Map<string, ProbeUse>();
  private readonly queue: Entry[] = [];
  private readonly slots = new Map<number, Slot>();
  private readonly overlays: HealthOverlay[] = [];
  private readonly listeners = new Listeners();
  private readonly firstRoundWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private rttTimer: TimerHandle | undefined;
  private view: HealthView;

  constructor(options: SchedulerOptions = {}) {
    this.initial = options.initial ?? "unknown";
    this.maxConcurrent = options.maxConcurrent ?? 64;
    this.timers = options.timers ?? realTimers;
    this.random = options.random ?? Math.random;
    this.probeFactory = options.probeFactory ?? createProbe;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.saved = options.saved ?? new Map();
    this.persist = options.persist;
    this.rttPublishMs = options.rttPublishMs ?? 5000;
    this.coalesceMs = options.coalesceMs ?? 25;
    this.view = this.buildView();
  }

  /** The current table: read once per query. */
  getCurrent(): HealthView {
    return this.view;
  }

  /** Called after each swap; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** Folds an overlay (overrides, drills) into every view from now on; later overlays win. */
  addOverlay(overlay: HealthOverlay): void {
    this.overlays.push(overlay);
    overlay.subscribe(() => this.publish());
    this.publish();
  }

  /**
   * Makes the probed set equal `specs` (zones loaded or unloaded): new keys start, missing keys stop,
   * kept keys keep their state (and pick up a changed check definition). Throws a GslbError on an
   * unknown check or malformed probe address, before changing anything.
   */
  setTargets(specs: readonly HealthTargetSpec[], checks: CheckLookup): void {
    const wanted = this.validate(specs, checks);
    for (const [key, entry] of this.entries) {
      if (!wanted.has(key)) this.remove(entry);
    }
    for (const [key, spec] of wanted) {
      const entry = this.entries.get(key);
      if (entry === undefined) this.add(key, spec, checks);
      else this.refresh(entry, checks);
    }
    this.publish();
    this.saveStates();
  }

  /** Resolves when every current target has had at least one result (the "wait for the first round" start). */
  firstRound(): Promise<void> {
    if (this.allChecked()) return Promise.resolve();
    return new Promise((resolve) => this.firstRoundWaiters.push(resolve));
  }

  /** Health of a target as the probes see it (no overlays): for `gslb explain` and the admin API. */
  probeState(key: string): TrackerSnapshot | undefined {
    return this.entries.get(key)?.tracker.snapshot();
  }

  /** Every probed key with its spec. */
  targets(): { key: string; check: string; address: string }[] {
    return [...this.entries.values()].map((e) => ({ key: e.key, ...e.spec }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) this.remove(entry);
    if (this.rttTimer !== undefined) this.timers.clearTimeout(this.rttTimer);
    this.rttTimer = undefined;
  }

  private validate(specs: readonly HealthTargetSpec[], checks: CheckLookup): Map<string, HealthTargetSpec> {
    const wanted = new Map<string, HealthTargetSpec>();
    for (const spec of specs) {
      if (!checks.has(spec.check)) throw usage(`unknown check "${spec.check}" for ${spec.address}`);
      if (parseProbeAddress(spec.address) === undefined) throw usage(`bad probe address "${spec.address}"`);
      wanted.set(targetKey(spec.check, spec.address), spec);
    }
    return wanted;
  }

  private add(key: string, spec: HealthTargetSpec, checks: CheckLookup): void {
    const check = checks.get(spec.check)!;
    const entry: Entry = {
      key,
      spec,
      target: parseProbeAddress(spec.address)!,
      check,
      probe: this.acquireProbe(spec.check, checks),
      tracker: new Tracker(
        { rise: check.rise, fall: check.fall, initial: this.initial },
        this.timers.now(),
        this.saved.get(key),
      ),
      slot: undefined,
      controller: undefined,
      queued: false,
      removed: false,
    };
    this.entries.set(key, entry);
    this.metrics?.observeState(key, entry.tracker.snapshot());
    this.arm(entry, this.random() * check.interval * check.jitter);
  }

  private refresh(entry: Entry, checks: CheckLookup): void {
    const check = checks.get(entry.spec.check)!;
    if (fingerprint(check) === fingerprint(entry.check)) return;
    this.releaseProbe(entry.spec.check, entry.probe);
    entry.probe = this.acquireProbe(entry.spec.check, checks);
    entry.check = check;
    entry.tracker.retune(check.rise, check.fall);
  }

  private remove(entry: Entry): void {
    entry.removed = true;
    this.disarm(entry);
    entry.controller?.abort();
    this.entries.delete(entry.key);
    this.releaseProbe(entry.spec.check, entry.probe);
    this.metrics?.remove(entry.key);
  }

  private acquireProbe(name: string, checks: CheckLookup): Probe {
    const print = fingerprint(checks.get(name)!);
    const use = this.probes.get(name);
    if (use !== undefined && use.fingerprint === print) {
      use.users += 1;
      return use.probe;
    }
    const probe = this.probeFactory(name, checks);
    if (use === undefined) this.probes.set(name, { probe, fingerprint: print, users: 1 });
    return probe;
  }

  private releaseProbe(name: string, probe: Probe): void {
    const use = this.probes.get(name);
    if (use === undefined || use.probe !== probe) {
      void probe.close?.();
      return;
    }
    use.users -= 1;
    if (use.users > 0) return;
    this.probes.delete(name);
    void use.probe.close?.();
  }

  private arm(entry: Entry, delayMs: number): void {
    if (entry.removed || this.stopped) return;
    const now = this.timers.now();
    const due =
      this.coalesceMs > 0 ? Math.ceil((now + delayMs) / this.coalesceMs) * this.coalesceMs : now + delayMs;
    let slot = this.slots.get(due);
    if (slot === undefined) {
      slot = { timer: this.timers.setTimeout(() => this.fire(due), due - now), entries: new Set() };
      this.slots.set(due, slot);
    }
    slot.entries.add(entry);
    entry.slot = due;
  }

  private disarm(entry: Entry): void {
    const due = entry.slot;
    if (due === undefined) return;
    entry.slot = undefined;
    const slot = this.slots.get(due);
    if (slot === undefined || !slot.entries.delete(entry) || slot.entries.size > 0) return;
    this.timers.clearTimeout(slot.timer);
    this.slots.delete(due);
  }

  private fire(due: number): void {
    const slot = this.slots.get(due);
    this.slots.delete(due);
    if (slot === undefined) return;
    for (const entry of slot.entries) {
      entry.slot = undefined;
      this.enqueue(entry);
    }
  }

  private enqueue(entry: Entry): void {
    if (entry.removed || entry.queued) return;
    entry.queued = true;
    this.queue.push(entry);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      entry.queued = false;
      if (!entry.removed) this.start(entry);
    }
  }

  private start(entry: Entry): void {
    this.running += 1;
    const startedAt = this.timers.now();
    const controller = new AbortController();
    entry.controller = controller;
    entry.probe
      .run(entry.target, controller.signal)
      .catch((error: unknown) => probeError(`probe crashed: ${String(error)}`))
      .then((result) => this.finish(entry, result, startedAt))
      .catch((error: unknown) =>
        this.logger?.warn({ err: error, target: entry.key }, "health scheduler error"),
      );
  }

  private finish(entry: Entry, result: ProbeResult, startedAt: number): void {
    this.running -= 1;
    entry.controller = undefined;
    if (!entry.removed) {
      const now = this.timers.now();
      const transition = entry.tracker.record(result, now);
      const snapshot = entry.tracker.snapshot();
      this.metrics?.observeResult(entry.key, result, snapshot);
      if (transition !== undefined) this.metrics?.observeState(entry.key, snapshot);
      if (transition !== undefined) this.onTransition(entry, transition, snapshot);
      else this.publishRttLater();
      this.arm(entry, Math.max(0, this.nextDelay(entry.check) - (now - startedAt)));
      this.resolveFirstRound();
    }
    this.pump();
  }

  private nextDelay(check: Check): number {
    return check.interval * (1 + check.jitter * (2 * this.random() - 1));
  }

  private onTransition(entry: Entry, transition: Transition, snapshot: TrackerSnapshot): void {
    this.logger?.info(
      {
        event: "health_change",
        target: entry.key,
        check: entry.spec.check,
        address: entry.spec.address,
        from: transition.from,
        to: transition.to,
        detail: transition.detail,
        rttMs: snapshot.rttMs,
        flaps: snapshot.flaps,
      },
      `${entry.key} ${transition.from} -> ${transition.to}: ${transition.detail}`,
    );
    this.publish();
    this.saveStates();
  }

  private publishRttLater(): void {
    if (this.rttTimer !== undefined || this.stopped) return;
    this.rttTimer = this.timers.setTimeout(() => {
      this.rttTimer = undefined;
      this.publish();
    }, this.rttPublishMs);
  }

  private publish(): void {
    this.view = this.buildView();
    this.listeners.notify();
  }

  private buildView(): HealthView {
    const targets = new Map<string, TargetHealth>();
    for (const entry of this.entries.values())
      targets.set(entry.key, toHealth(entry.tracker.snapshot(), this.initial));
    const regions = new Map<string, TargetHealth>();
    const ramp = new Set<string>();
    for (const overlay of this.overlays) {
      for (const [key, health] of overlay.targets()) targets.set(key, health);
      for (const [name, health] of overlay.regions()) regions.set(name, health);
      for (const name of overlay.rampRegions()) ramp.add(name);
    }
    return new StaticHealthView(targets, regions, unregistered(this.initial), ramp);
  }

  private saveStates(): void {
    if (this.persist === undefined) return;
    const states = new Map<string, SavedTargetState>();
    for (const entry of this.entries.values()) {
      const s = entry.tracker.snapshot();
      if (s.state !== "unknown")
        states.set(entry.key, {
          state: s.state,
          since: s.since,
          rttMs: s.rttMs,
          flaps: s.flaps,
          detail: s.detail,
        });
    }
    this.persist(states);
  }

  private allChecked(): boolean {
    for (const entry of this.entries.values()) if (entry.tracker.snapshot().provisional) return false;
    return true;
  }

  private resolveFirstRound(): void {
    if (this.firstRoundWaiters.length === 0 || !this.allChecked()) return;
    for (const resolve of this.firstRoundWaiters.splice(0)) resolve();
  }
}

function toHealth(s: TrackerSnapshot, initial: "unknown" | "up"): TargetHealth {
  if (s.state === "unknown") return unregistered("unknown");
  const assumed = s.provisional && initial === "up" && s.detail.startsWith("assumed");
  return Object.freeze({
    state: s.state,
    rttMs: s.rttMs,
    since: s.since,
    source: assumed ? "assumed" : "probe",
    reason: s.detail,
  });
}

const PENDING_DOWN: TargetHealth = Object.freeze({
  state: "down",
  rttMs: null,
  since: 0,
  source: "assumed",
  reason: "waiting for the first probe",
});

const ASSUMED_UP: TargetHealth = Object.freeze({
  state: "up",
  rttMs: null,
  since: 0,
  source: "assumed",
  reason: "assumed up until the first probe",
});

function unregistered(initial: "unknown" | "up"): TargetHealth {
  return initial === "up" ? ASSUMED_UP : PENDING_DOWN;
}

function fingerprint(check: Check): string {
  return JSON.stringify(check, (_key, value: unknown) => (value instanceof RegExp ? value.source : value));
}

function usage(message: string): Error {
  return new GslbError(ErrorCodes.PROBE_CONFIG, message);
}
