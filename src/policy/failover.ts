import { adopt, allDown } from "./outcome.ts";
import type { Policy, PolicyCommon, Resolution, ResolveContext } from "./types.ts";
import { firstAvailable } from "./walk.ts";

/** An ordered chain of pools/policies: the first with a healthy target answers. */
export class FailoverPolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly chain: readonly Policy[];

  constructor(common: PolicyCommon, chain: readonly Policy[]) {
    this.name = common.name;
    this.common = common;
    this.chain = chain;
  }

  resolve(ctx: ResolveContext): Resolution {
    const { index, resolution, scope } = firstAvailable(this.name, this.chain, ctx);
    if (index === -1) return allDown(this.common, ctx, scope, () => resolution);
    const state = index === 0 && resolution.state === "healthy" ? "healthy" : "degraded";
    return adopt(this.common, ctx, resolution, state, scope);
  }
}
