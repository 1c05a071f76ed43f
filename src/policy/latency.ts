import type { GeoInfo } from "../geo/record.ts";
import { adopt, allDown } from "./outcome.ts";
import type { GeoPoint, Policy, PolicyCommon, Resolution, ResolveContext } from "./types.ts";
import { pickOne } from "./weighted.ts";

export interface LatencyRegion {
  readonly name: string;
  readonly member: Policy;
  readonly location: GeoPoint | null;
  readonly weight: number;
}

/** Operator-measured RTTs: client country or continent code → region name → ms. */
export type LatencyTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

const EARTH_RADIUS_KM = 6371;
/** Light in fibre covers ~200 km per ms one way: ~100 km of distance per ms of round trip. */
const KM_PER_RTT_MS = 100;

export function greatCircleKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Lowest estimated RTT: from the operator table when it has the client's country (else continent) and the
 * region; else the great-circle distance from the client's GeoIP location (its coordinates, else its
 * country's centroid) to the region. Healthy regions within `toleranceMs` of the best share by weight.
 * Regions are walked best first, so a down region fails over to the next best (gdnsd metafo, ordered per client).
 */
export class LatencyPolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly regions: readonly LatencyRegion[];
  private readonly table: LatencyTable | null;
  private readonly toleranceMs: number;

  constructor(
    common: PolicyCommon,
    regions: readonly LatencyRegion[],
    table: LatencyTable | null,
    toleranceMs: number,
  ) {
    this.name = common.name;
    this.common = common;
    this.regions = regions;
    this.table = table;
    this.toleranceMs = toleranceMs;
  }

  resolve(ctx: ResolveContext): Resolution {
    const geo = ctx.geo();
    let scope = geo.prefixLength;
    const estimates = this.estimate(geo.info, ctx);
    const order = byEstimate(estimates);
    let best = Infinity;
    let firstDown = false;
    const candidates: { region: LatencyRegion; resolution: Resolution }[] = [];
    let firstResolution: Resolution | null = null;
    for (let i = 0; i < order.length; i++) {
      const index = order[i]!;
      const estimate = estimates[index]!;
      if (candidates.length > 0 && !(estimate <= best + this.toleranceMs)) break;
      const region = this.regions[index]!;
      ctx.trace?.add(this.name, "member", { member: region.member.name, region: region.name, position: i });
      const resolution = region.member.resolve(ctx);
      // A skipped member's all-down state may itself depend on the client (a geo member): keep its scope.
      scope = Math.max(scope, resolution.ecsScopePrefix);
      firstResolution ??= resolution;
      if (resolution.state === "all-down") {
        if (i === 0) firstDown = true;
        ctx.trace?.add(this.name, "fallback", { from: region.name, reason: "all targets down" });
        continue;
      }
      if (candidates.length === 0) best = estimate;
      candidates.push({ region, resolution });
    }
    if (candidates.length === 0) return allDown(this.common, ctx, scope, () => firstResolution!);
    const chosen = candidates.length === 1 ? candidates[0]! : this.share(candidates, ctx);
    ctx.trace?.add(this.name, "pick", { region: chosen.region.name, within: candidates.length });
    const state = !firstDown && chosen.resolution.state === "healthy" ? "healthy" : "degraded";
    return adopt(this.common, ctx, chosen.resolution, state, scope);
  }

  private estimate(client: GeoInfo, ctx: ResolveContext): Float64Array {
    const row =
      (client.country === null ? undefined : this.table?.get(client.country)) ??
      (client.continent === null ? undefined : this.table?.get(client.continent));
    const estimates = new Float64Array(this.regions.length);
    for (let i = 0; i < this.regions.length; i++) {
      const region = this.regions[i]!;
      const measured = row?.get(region.name);
      let source = "table";
      if (measured !== undefined) estimates[i] = measured;
      else if (client.latitude !== null && client.longitude !== null && region.location !== null) {
        estimates[i] =
          greatCircleKm({ latitude: client.latitude, longitude: client.longitude }, region.location) /
          KM_PER_RTT_MS;
        source = client.locationSource === "database" ? "distance" : "distance from country centroid";
      } else {
        estimates[i] = Infinity;
        source = "unknown";
      }
      ctx.trace?.add(this.name, "estimate", {
        region: region.name,
        ms: Math.round(estimates[i]! * 10) / 10,
        source,
      });
    }
    return estimates;
  }

  private share(
    candidates: readonly { region: LatencyRegion; resolution: Resolution }[],
    ctx: ResolveContext,
  ): { region: LatencyRegion; resolution: Resolution } {
    const weighted = candidates.map((c) => ({ weight: c.region.weight, candidate: c }));
    return pickOne(weighted, ctx.random()).candidate;
  }
}

/** Region indices, lowest estimate first; ties keep the configured order. */
function byEstimate(estimates: Float64Array): number[] {
  const order = Array.from(estimates.keys());
  order.sort((a, b) => (estimates[a] === estimates[b] ? a - b : estimates[a]! < estimates[b]! ? -1 : 1));
  return order;
}
