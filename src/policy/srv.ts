import type { RdataSRV } from "../dns/types.ts";
import { allDown, answer } from "./outcome.ts";
import { healthyTargets, servableTargets } from "./pool.ts";
import type { Policy, PolicyCommon, Pool, Resolution, ResolveContext, Target } from "./types.ts";

/**
 * SRV records generated from an ordered list of SRV pools: priority = position in the list (the client
 * fails over by itself), weight = target weight. Down and drained targets are left out.
 */
export class SrvPolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly pools: readonly Pool[];
  /** rdata[pool][target]: built once, with the priority of the pool's position. */
  private readonly rdata: ReadonlyMap<Target, RdataSRV>;

  constructor(common: PolicyCommon, pools: readonly Pool[]) {
    this.name = common.name;
    this.common = common;
    this.pools = pools;
    const rdata = new Map<Target, RdataSRV>();
    pools.forEach((pool, priority) => {
      for (let p: Pool | null = pool; p !== null; p = p.fallback) {
        for (const t of p.targets) {
          if (t.rdata.kind === "SRV" && !rdata.has(t))
            rdata.set(t, { ...t.rdata, priority, weight: t.weight });
        }
      }
    });
    this.rdata = rdata;
  }

  resolve(ctx: ResolveContext): Resolution {
    const out: RdataSRV[] = [];
    let degraded = false;
    for (const pool of this.pools) {
      ctx.trace?.add(this.name, "pool", { pool: pool.name });
      const selection = healthyTargets(pool, ctx);
      if (selection === null || selection.degraded) degraded = true;
      if (selection !== null) for (const t of selection.targets) out.push(this.rdata.get(t)!);
    }
    if (out.length === 0) return allDown(this.common, ctx, 0, () => this.everything());
    return answer(this.common, ctx, out, degraded ? "degraded" : "healthy", 0);
  }

  private everything(): RdataSRV[] {
    return this.pools.flatMap((pool) => servableTargets(pool).map((t) => this.rdata.get(t)!));
  }
}
