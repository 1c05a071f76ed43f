import { allDown, answer } from "./outcome.ts";
import { healthyTargets, rdataOf, servableTargets } from "./pool.ts";
import type { Policy, PolicyCommon, Pool, Resolution, ResolveContext } from "./types.ts";

/** Every healthy target of one pool, in the configured order. Also what a pool named as a member means. */
export class StaticPolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly pool: Pool;

  constructor(common: PolicyCommon, pool: Pool) {
    this.name = common.name;
    this.common = common;
    this.pool = pool;
  }

  resolve(ctx: ResolveContext): Resolution {
    ctx.trace?.add(this.name, "pool", { pool: this.pool.name });
    const selection = healthyTargets(this.pool, ctx);
    if (selection === null) return allDown(this.common, ctx, 0, () => rdataOf(servableTargets(this.pool)));
    return answer(
      this.common,
      ctx,
      rdataOf(selection.targets),
      selection.degraded ? "degraded" : "healthy",
      0,
    );
  }
}
