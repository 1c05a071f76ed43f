/** What the prober needs from the zones served, and what drills ask of them (regions healthy now). */
import type { KnownSubjects } from "../health/admin-routes.ts";
import type { Check } from "../health/check-schema.ts";
import type { HealthTargetSpec } from "../health/scheduler.ts";
import type { HealthView } from "../health/table.ts";
import type { Zone } from "./zone.ts";

/** Every (check, probe address) of every zone, once, and the checks by their global name (first zone wins). */
export function healthTargetsOf(zones: readonly Zone[]): { specs: HealthTargetSpec[]; checks: Map<string, Check> } {
  const specs = new Map<string, HealthTargetSpec>();
  const checks = new Map<string, Check>();
  for (const zone of zones) {
    if (zone.policies === null) continue;
    for (const [name, check] of zone.policies.checks) if (!checks.has(name)) checks.set(name, check);
    for (const probe of zone.policies.compiled.probes) specs.set(probe.key, { check: probe.check, address: probe.address });
  }
  return { specs: [...specs.values()], checks };
}

/** What an override may name: every probed target key and every pool (region) of the zones served. */
export function overrideSubjects(zones: readonly Zone[]): KnownSubjects {
  const targets = new Set<string>();
  const regions = new Set<string>();
  for (const zone of zones) {
    if (zone.policies === null) continue;
    for (const probe of zone.policies.compiled.probes) targets.add(probe.key);
    for (const pool of zone.policies.compiled.pools.values()) regions.add(pool.name);
  }
  return { targets, regions };
}

/** Pools (regions) with an up target now, or forced up; forced down/draining regions are not healthy. */
export function healthyRegions(zones: readonly Zone[], view: HealthView): string[] {
  const healthy = new Set<string>();
  for (const zone of zones) {
    for (const pool of zone.policies?.compiled.pools.values() ?? []) {
      const forced = view.region(pool.name);
      const up =
        forced !== undefined
          ? forced.state === "up"
          : pool.targets.some((t) => t.healthKey === null || view.target(t.healthKey).state === "up");
      if (up) healthy.add(pool.name);
    }
  }
  return [...healthy];
}
