import { hashPrefix, mix32, unitInterval } from "./hash.ts";
import { allDown, answer } from "./outcome.ts";
import { healthyTargets, rdataOf, servableTargets } from "./pool.ts";
import type { Policy, PolicyCommon, Pool, Resolution, ResolveContext, Target } from "./types.ts";

export interface Stickiness {
  /** The client subnet that keeps its pick: IPv4 and IPv6 prefix lengths. */
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
}

/**
 * Picks `answers` targets of one pool with probability proportional to weight (canary 95/5; weight 0 =
 * drained). With stickiness the pick is weighted rendezvous hashing of the client subnet: the same subnet
 * keeps its target while weights and health hold, and only the subnets of a target that goes down move.
 */
export class WeightedPolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly pool: Pool;
  private readonly answers: number;
  private readonly sticky: Stickiness | null;

  constructor(common: PolicyCommon, pool: Pool, answers: number, sticky: Stickiness | null) {
    this.name = common.name;
    this.common = common;
    this.pool = pool;
    this.answers = answers;
    this.sticky = sticky;
  }

  resolve(ctx: ResolveContext): Resolution {
    ctx.trace?.add(this.name, "pool", {
      pool: this.pool.name,
      answers: this.answers,
      sticky: this.sticky !== null,
    });
    const scope = this.stickyPrefix(ctx);
    const selection = healthyTargets(this.pool, ctx);
    if (selection === null) {
      return allDown(this.common, ctx, scope, () =>
        rdataOf(this.pick(servableTargets(this.pool), ctx, scope)),
      );
    }
    const picked = this.pick(selection.targets, ctx, scope);
    if (ctx.trace !== null)
      for (const t of picked) ctx.trace.add(this.name, "pick", { target: t.id, weight: t.weight });
    return answer(this.common, ctx, rdataOf(picked), selection.degraded ? "degraded" : "healthy", scope);
  }

  private stickyPrefix(ctx: ResolveContext): number {
    if (this.sticky === null) return 0;
    const wanted = ctx.client.family === 4 ? this.sticky.ipv4Prefix : this.sticky.ipv6Prefix;
    return Math.min(wanted, ctx.client.sourcePrefix);
  }

  private pick(targets: readonly Target[], ctx: ResolveContext, stickyPrefix: number): readonly Target[] {
    if (targets.length <= this.answers && this.answers > 1) return targets;
    if (this.sticky === null && this.answers === 1) return [pickOne(targets, ctx.random())];
    const subnet = this.sticky === null ? 0 : hashPrefix(ctx.client.bytes, stickyPrefix);
    const scores = new Float64Array(targets.length);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      const u = this.sticky === null ? ctx.random() : unitInterval(mix32(subnet ^ t.hashSeed));
      // Weighted rendezvous / Efraimidis–Spirakis key: the top `answers` keys are a weighted sample.
      scores[i] = t.weight === 0 ? -Infinity : -t.weight / Math.log(u === 0 ? Number.MIN_VALUE : u);
    }
    return topByScore(targets, scores, this.answers);
  }
}

/** One target, probability weight / total: a single random draw. */
export function pickOne<T extends { readonly weight: number }>(targets: readonly T[], draw: number): T {
  let total = 0;
  for (const t of targets) total += t.weight;
  let point = draw * total;
  for (const t of targets) {
    point -= t.weight;
    if (point < 0) return t;
  }
  return targets[targets.length - 1]!;
}

function topByScore(targets: readonly Target[], scores: Float64Array, count: number): Target[] {
  const out: Target[] = [];
  const taken = new Uint8Array(targets.length);
  for (let n = 0; n < count && n < targets.length; n++) {
    let best = -1;
    for (let i = 0; i < targets.length; i++) {
      if (taken[i] === 0 && (best === -1 || scores[i]! > scores[best]!)) best = i;
    }
    taken[best] = 1;
    out.push(targets[best]!);
  }
  return out;
}
