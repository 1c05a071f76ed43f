/**
 * Operator overrides: force a target (by key) or a whole region up, down or draining, with a reason and an
 * optional expiry. Setting an override for the same scope and name replaces the previous one. Expired
 * overrides vanish by themselves (one timer for the soonest expiry). Every change is audited and persisted.
 * The store is a HealthOverlay: the scheduler folds it into each HealthView.
 */
import { randomUUID } from "node:crypto";
import type { AuditLog } from "./audit.ts";
import type { HealthMetrics } from "./metrics.ts";
import { Listeners, type HealthOverlay } from "./overlay.ts";
import type { Override, OverrideRequest } from "./override-schema.ts";
import type { TargetHealth } from "./table.ts";
import { realTimers, type TimerHandle, type Timers } from "./timers.ts";

export interface OverrideStoreOptions {
  readonly timers?: Timers;
  /** Overrides from the state file; expired ones are dropped (and audited) at start. */
  readonly initial?: readonly Override[];
  readonly persist?: (overrides: readonly Override[]) => void;
  readonly audit?: AuditLog;
  readonly metrics?: HealthMetrics;
  readonly newId?: () => string;
}

export class OverrideStore implements HealthOverlay {
  private readonly timers: Timers;
  private readonly persist: ((overrides: readonly Override[]) => void) | undefined;
  private readonly audit: AuditLog | undefined;
  private readonly metrics: HealthMetrics | undefined;
  private readonly newId: () => string;
  private readonly listeners = new Listeners();
  private overrides: readonly Override[];
  private forcedTargets: ReadonlyMap<string, TargetHealth> = new Map();
  private forcedRegions: ReadonlyMap<string, TargetHealth> = new Map();
  private expiryTimer: TimerHandle | undefined;

  constructor(options: OverrideStoreOptions = {}) {
    this.timers = options.timers ?? realTimers;
    this.persist = options.persist;
    this.audit = options.audit;
    this.metrics = options.metrics;
    this.newId = options.newId ?? randomUUID;
    this.overrides = options.initial ?? [];
    this.expire();
    this.rebuild();
  }

  list(): readonly Override[] {
    return this.overrides;
  }

  /** Adds an override, replacing any for the same scope and name. */
  set(request: OverrideRequest): Override {
    const now = this.timers.now();
    const override: Override = {
      id: this.newId(),
      scope: request.scope,
      name: request.name,
      state: request.state,
      reason: request.reason,
      createdAt: now,
      expiresAt: request.for === undefined ? null : now + request.for,
      by: request.by ?? "admin",
    };
    const replaced = this.overrides.filter((o) => sameSubject(o, override));
    this.overrides = [...this.overrides.filter((o) => !sameSubject(o, override)), override];
    this.record("override.set", override.by, { override, replaced: replaced.map((o) => o.id) });
    this.changed();
    return override;
  }

  /** Removes the override with this id, or for this scope and name. Returns it, or undefined if none. */
  clear(
    selector: { id: string } | { scope: Override["scope"]; name: string },
    by = "admin",
  ): Override | undefined {
    const found = this.overrides.find((o) =>
      "id" in selector ? o.id === selector.id : sameSubject(o, selector),
    );
    if (found === undefined) return undefined;
    this.overrides = this.overrides.filter((o) => o !== found);
    this.record("override.clear", by, { override: found });
    this.changed();
    return found;
  }

  targets(): ReadonlyMap<string, TargetHealth> {
    return this.forcedTargets;
  }

  regions(): ReadonlyMap<string, TargetHealth> {
    return this.forcedRegions;
  }

  rampRegions(): ReadonlySet<string> {
    return EMPTY_SET;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  stop(): void {
    if (this.expiryTimer !== undefined) this.timers.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  private changed(): void {
    this.rebuild();
    this.persist?.(this.overrides);
    this.listeners.notify();
  }

  /** Drops expired overrides; returns whether any were dropped. */
  private expire(): boolean {
    const now = this.timers.now();
    const expired = this.overrides.filter((o) => o.expiresAt !== null && o.expiresAt <= now);
    if (expired.length === 0) return false;
    this.overrides = this.overrides.filter((o) => !expired.includes(o));
    for (const override of expired) this.record("override.expire", "gslb", { override });
    return true;
  }

  private rebuild(): void {
    const targets = new Map<string, TargetHealth>();
    const regions = new Map<string, TargetHealth>();
    for (const o of this.overrides) (o.scope === "target" ? targets : regions).set(o.name, toHealth(o));
    this.forcedTargets = targets;
    this.forcedRegions = regions;
    this.metrics?.setOverrides(this.overrides);
    this.armExpiry();
  }

  private armExpiry(): void {
    if (this.expiryTimer !== undefined) this.timers.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const soonest = Math.min(...this.overrides.map((o) => o.expiresAt ?? Infinity));
    if (soonest === Infinity) return;
    this.expiryTimer = this.timers.setTimeout(() => {
      this.expiryTimer = undefined;
      if (this.expire()) this.changed();
      else this.armExpiry();
    }, soonest - this.timers.now());
  }

  private record(action: string, by: string, detail: Record<string, unknown>): void {
    this.audit?.append({ time: new Date(this.timers.now()).toISOString(), action, by, ...detail });
  }
}

const EMPTY_SET: ReadonlySet<string> = new Set();

function sameSubject(a: Pick<Override, "scope" | "name">, b: Pick<Override, "scope" | "name">): boolean {
  return a.scope === b.scope && a.name === b.name;
}

function toHealth(o: Override): TargetHealth {
  const until = o.expiresAt === null ? "" : ` until ${new Date(o.expiresAt).toISOString()}`;
  return Object.freeze({
    state: o.state,
    rttMs: null,
    since: o.createdAt,
    source: "override",
    reason: `override by ${o.by}: ${o.reason}${until}`,
  });
}
