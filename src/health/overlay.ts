/**
 * A layer that forces states on top of probe results: overrides and drills. The scheduler folds the
 * overlays, in the order added (later wins), into each new HealthView.
 */
import type { TargetHealth } from "./table.ts";

export interface HealthOverlay {
  /** Forced target states by target key. */
  targets(): ReadonlyMap<string, TargetHealth>;
  /** Forced region/pool states by name. */
  regions(): ReadonlyMap<string, TargetHealth>;
  /** Regions whose answers must use the drill TTL now. */
  rampRegions(): ReadonlySet<string>;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Listener bookkeeping shared by overlays and the scheduler. */
export class Listeners {
  private readonly listeners = new Set<() => void>();

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
