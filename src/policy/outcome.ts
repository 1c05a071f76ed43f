import { healthyTargets, rdataOf, servableTargets } from "./pool.ts";
import type { HealthState, PolicyCommon, Resolution, ResolveContext, TargetRdata } from "./types.ts";

function ttlFor(common: PolicyCommon, state: HealthState): number {
  return state === "healthy"
    ? common.ttl.healthy
    : state === "degraded"
      ? common.ttl.degraded
      : common.ttl.allDown;
}

/** A resolution with this policy's TTL for the state, the scope capped at what the client revealed. */
export function answer(
  common: PolicyCommon,
  ctx: ResolveContext,
  rdata: readonly TargetRdata[],
  state: HealthState,
  scope: number,
): Resolution {
  const result: Resolution = {
    outcome: "answer",
    rdata,
    ttl: ttlFor(common, state),
    state,
    ecsScopePrefix: Math.min(scope, ctx.client.sourcePrefix),
  };
  if (ctx.trace !== null) traceResult(common, ctx, result);
  return result;
}

/** Re-stamps a member's resolution with this policy's TTL and state (the outermost policy's TTLs apply). */
export function adopt(
  common: PolicyCommon,
  ctx: ResolveContext,
  member: Resolution,
  state: HealthState,
  scope: number,
): Resolution {
  const result: Resolution = {
    outcome: member.outcome,
    rdata: member.rdata,
    ttl: ttlFor(common, state),
    state,
    ecsScopePrefix: Math.min(Math.max(scope, member.ecsScopePrefix), ctx.client.sourcePrefix),
  };
  if (ctx.trace !== null) traceResult(common, ctx, result);
  return result;
}

/**
 * Nothing healthy: the policy's explicit all-down behaviour. `serveAll` is the fail-open answer of this
 * policy type (its targets with health ignored).
 */
export function allDown(
  common: PolicyCommon,
  ctx: ResolveContext,
  scope: number,
  serveAll: () => Resolution | readonly TargetRdata[],
): Resolution {
  const behaviour = common.allDown;
  ctx.trace?.add(common.name, "all-down", {
    behaviour: behaviour.kind === "pool" ? `pool ${behaviour.pool.name}` : behaviour.kind,
  });
  const ttl = common.ttl.allDown;
  const ecsScopePrefix = Math.min(scope, ctx.client.sourcePrefix);
  let result: Resolution;
  switch (behaviour.kind) {
    case "nodata":
      result = { outcome: "nodata", rdata: [], ttl, state: "all-down", ecsScopePrefix };
      break;
    case "servfail":
      result = { outcome: "servfail", rdata: [], ttl, state: "all-down", ecsScopePrefix };
      break;
    case "pool": {
      const selection = healthyTargets(behaviour.pool, ctx);
      const targets = selection === null ? servableTargets(behaviour.pool) : selection.targets;
      result = { outcome: "answer", rdata: rdataOf(targets), ttl, state: "all-down", ecsScopePrefix };
      break;
    }
    case "serve-all": {
      const served = serveAll();
      result =
        "outcome" in served
          ? {
              outcome: served.outcome,
              rdata: served.rdata,
              ttl,
              state: "all-down",
              ecsScopePrefix: Math.min(Math.max(scope, served.ecsScopePrefix), ctx.client.sourcePrefix),
            }
          : { outcome: "answer", rdata: served, ttl, state: "all-down", ecsScopePrefix };
      break;
    }
  }
  if (ctx.trace !== null) traceResult(common, ctx, result);
  return result;
}

function traceResult(common: PolicyCommon, ctx: ResolveContext, result: Resolution): void {
  ctx.trace?.add(common.name, "result", {
    outcome: result.outcome,
    answers: result.rdata.length,
    state: result.state,
    ttl: result.ttl,
    scope: result.ecsScopePrefix,
  });
}
