import type { TargetHealth } from "../health/table.ts";
import type { Pool, ResolveContext, Target, TargetRdata } from "./types.ts";

/** The healthy targets a pool (or its fallback chain) offers now. */
export interface Selection {
  readonly pool: Pool;
  readonly targets: readonly Target[];
  /** Some served-weight target was down, or a fallback pool had to be used. */
  readonly degraded: boolean;
}

/** A region forced up/down/draining (override or drill) decides for all its targets. */
function isUp(target: Target, forced: TargetHealth | undefined, ctx: ResolveContext): boolean {
  if (forced !== undefined) return forced.state === "up";
  return target.healthKey === null || ctx.health.target(target.healthKey).state === "up";
}

/** Up and not drained (weight 0 = drained: never served while another target is healthy). */
export function healthyTargets(pool: Pool, ctx: ResolveContext): Selection | null {
  let degraded = false;
  for (let current: Pool | null = pool; current !== null; current = current.fallback) {
    const forced = ctx.health.region(current.name);
    const healthy: Target[] = [];
    for (const target of current.targets) {
      const up = isUp(target, forced, ctx);
      if (ctx.trace !== null) traceTarget(current, target, forced, ctx);
      if (up && target.weight > 0) healthy.push(target);
      else if (!up && target.weight > 0) degraded = true;
    }
    if (healthy.length > 0) return { pool: current, targets: healthy, degraded };
    degraded = true;
    if (current.fallback !== null) ctx.trace?.add(current.name, "fallback", { to: current.fallback.name });
  }
  return null;
}

function traceTarget(
  pool: Pool,
  target: Target,
  forced: TargetHealth | undefined,
  ctx: ResolveContext,
): void {
  const health = forced ?? (target.healthKey === null ? null : ctx.health.target(target.healthKey));
  ctx.trace?.add(pool.name, "target", {
    target: target.id,
    weight: target.weight,
    check: target.healthKey,
    state: health === null ? "up" : health.state,
    source: health === null ? "no check" : forced !== undefined ? `region ${health.source}` : health.source,
    reason: health === null ? "no health check" : health.reason,
  });
}

/** Fail-open: every target that carries weight (every target when all are drained), health ignored. */
export function servableTargets(pool: Pool): readonly Target[] {
  const weighted = pool.targets.filter((t) => t.weight > 0);
  return weighted.length > 0 ? weighted : pool.targets;
}

export function rdataOf(targets: readonly Target[]): TargetRdata[] {
  const out = new Array<TargetRdata>(targets.length);
  for (let i = 0; i < targets.length; i++) out[i] = targets[i]!.rdata;
  return out;
}
