import { allDown, answer } from "./outcome.ts";
import { healthyTargets, rdataOf, servableTargets } from "./pool.ts";
import type {
  Policy,
  PolicyCommon,
  Pool,
  RandomSource,
  Resolution,
  ResolveContext,
  Target,
  TargetRdata,
} from "./types.ts";

/** Up to `answers` healthy targets of one pool, in a random order (Route 53 multivalue answer). */
export class MultivaluePolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly pool: Pool;
  private readonly answers: number;

  constructor(common: PolicyCommon, pool: Pool, answers: number) {
    this.name = common.name;
    this.common = common;
    this.pool = pool;
    this.answers = answers;
  }

  resolve(ctx: ResolveContext): Resolution {
    ctx.trace?.add(this.name, "pool", { pool: this.pool.name, answers: this.answers });
    const selection = healthyTargets(this.pool, ctx);
    if (selection === null) {
      return allDown(this.common, ctx, 0, () =>
        shuffled(servableTargets(this.pool), this.answers, ctx.random),
      );
    }
    const rdata = shuffled(selection.targets, this.answers, ctx.random);
    return answer(this.common, ctx, rdata, selection.degraded ? "degraded" : "healthy", 0);
  }
}

/** A partial Fisher–Yates shuffle: the first `count` of a random permutation. */
export function shuffled(targets: readonly Target[], count: number, random: RandomSource): TargetRdata[] {
  const rdata = rdataOf(targets);
  const n = Math.min(count, rdata.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (rdata.length - i));
    const swap = rdata[i]!;
    rdata[i] = rdata[j]!;
    rdata[j] = swap;
  }
  rdata.length = n;
  return rdata;
}
