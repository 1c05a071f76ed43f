/**
 * The health table that probes write and policies read. It is immutable: the scheduler builds a new table
 * and swaps it in; a query reads one table (one `HealthView`) from start to end.
 *
 * Keys: a target is identified by `targetKey(check, probeAddress)` — the health of (check, address) is shared
 * by every record that uses the same check on the same address. Regions (pools) have their own entries only
 * when an override or a drill forces them.
 */
export type TargetState = "up" | "down" | "draining";

export type HealthSource = "probe" | "override" | "drill" | "static" | "assumed";

export interface TargetHealth {
  readonly state: TargetState;
  /** Smoothed round-trip time of the probe, when known. */
  readonly rttMs: number | null;
  /** Epoch ms of the last state transition. */
  readonly since: number;
  readonly source: HealthSource;
  /** Why: the probe's last failure, or an override's / drill's reason. */
  readonly reason: string;
}

export interface HealthView {
  /** Health of a target as policies must see it, overrides and drills already applied. */
  target(key: string): TargetHealth;
  /** A forced state of a whole region/pool (override or drill), or undefined when none applies. */
  region(name: string): TargetHealth | undefined;
  /**
   * True while a drill on this region is pending (inside its TTL ramp-down lead time) or running: answers
   * that may send clients to the region use the drill TTL, so resolvers let go of it quickly.
   * Optional so that hand-made views in tests stay valid; absent means false.
   */
  ttlRamp?(region: string): boolean;
}

export function targetKey(check: string, probeAddress: string): string {
  return `${check}@${probeAddress}`;
}

export const ALWAYS_UP: TargetHealth = Object.freeze({
  state: "up",
  rttMs: null,
  since: 0,
  source: "static",
  reason: "no health check",
});

/** A fixed table: what tests and the static configuration use. Unknown keys are `unknown`. */
export class StaticHealthView implements HealthView {
  private readonly targets: ReadonlyMap<string, TargetHealth>;
  private readonly regions: ReadonlyMap<string, TargetHealth>;
  private readonly unknown: TargetHealth;
  private readonly rampRegions: ReadonlySet<string>;

  constructor(
    targets: ReadonlyMap<string, TargetHealth> = new Map(),
    regions: ReadonlyMap<string, TargetHealth> = new Map(),
    unknown: TargetHealth = ALWAYS_UP,
    rampRegions: ReadonlySet<string> = new Set(),
  ) {
    this.targets = targets;
    this.regions = regions;
    this.unknown = unknown;
    this.rampRegions = rampRegions;
  }

  target(key: string): TargetHealth {
    return this.targets.get(key) ?? this.unknown;
  }

  region(name: string): TargetHealth | undefined {
    return this.regions.get(name);
  }

  ttlRamp(region: string): boolean {
    return this.rampRegions.has(region);
  }
}
