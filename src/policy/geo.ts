import { commonPrefixLength } from "../geo/address.ts";
import type { GeoInfo } from "../geo/record.ts";
import { adopt, allDown } from "./outcome.ts";
import type { Policy, PolicyCommon, Resolution, ResolveContext } from "./types.ts";
import { firstAvailable } from "./walk.ts";

export interface CidrRule {
  readonly family: 4 | 6;
  /** Network address, bits past `prefix` cleared. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
  /** As written, for explanations: "10.0.0.0/8". */
  readonly text: string;
  readonly members: readonly Policy[];
}

export interface GeoRules {
  readonly cidrs: readonly CidrRule[];
  /** ISO 3166-2, "GB-ENG". */
  readonly subdivisions: ReadonlyMap<string, readonly Policy[]>;
  readonly countries: ReadonlyMap<string, readonly Policy[]>;
  readonly continents: ReadonlyMap<string, readonly Policy[]>;
  readonly fallback: readonly Policy[];
}

interface Rule {
  readonly label: string;
  /** The rule's members, then the default's: the per-client failover order. */
  readonly order: readonly Policy[];
}

interface CompiledCidr extends Rule {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/**
 * Geolocation: the most specific matching rule wins — CIDR (longest prefix), then subdivision, country,
 * continent, then the mandatory default — and its members are walked as a failover chain followed by the
 * default's. ECS scope: the GeoIP network prefix, or what the CIDR rules need to stay true for the subnet.
 */
export class GeoPolicy implements Policy {
  readonly name: string;
  private readonly common: PolicyCommon;
  private readonly cidrs: readonly CompiledCidr[];
  private readonly subdivisions: ReadonlyMap<string, Rule>;
  private readonly countries: ReadonlyMap<string, Rule>;
  private readonly continents: ReadonlyMap<string, Rule>;
  private readonly fallback: Rule;

  constructor(common: PolicyCommon, rules: GeoRules) {
    this.name = common.name;
    this.common = common;
    const rule = (label: string, members: readonly Policy[]): Rule => ({
      label,
      order: [...members, ...rules.fallback.filter((m) => !members.includes(m))],
    });
    this.cidrs = [...rules.cidrs]
      .sort((a, b) => b.prefix - a.prefix)
      .map((c) => ({
        ...rule(`cidr ${c.text}`, c.members),
        family: c.family,
        bytes: c.bytes,
        prefix: c.prefix,
      }));
    const table = (kind: string, map: ReadonlyMap<string, readonly Policy[]>) =>
      new Map([...map].map(([code, members]) => [code, rule(`${kind} ${code}`, members)]));
    this.subdivisions = table("subdivision", rules.subdivisions);
    this.countries = table("country", rules.countries);
    this.continents = table("continent", rules.continents);
    this.fallback = { label: "default", order: rules.fallback };
  }

  resolve(ctx: ResolveContext): Resolution {
    const client = ctx.client;
    let winner: CompiledCidr | null = null;
    for (const cidr of this.cidrs) {
      if (cidr.family === client.family && commonPrefixLength(client.bytes, cidr.bytes) >= cidr.prefix) {
        winner = cidr;
        break;
      }
    }
    let rule: Rule = winner ?? this.fallback;
    let scope = this.cidrScope(ctx, winner === null ? 0 : winner.prefix);
    if (winner === null) {
      const geo = ctx.geo();
      rule = this.matchGeo(geo.info);
      scope = Math.max(scope, geo.prefixLength);
    }
    ctx.trace?.add(this.name, "rule", {
      matched: rule.label,
      members: rule.order.map((m) => m.name).join(", "),
    });
    const walked = firstAvailable(this.name, rule.order, ctx);
    const { index, resolution } = walked;
    scope = Math.max(scope, walked.scope);
    if (index === -1) return allDown(this.common, ctx, scope, () => resolution);
    const state = index === 0 && resolution.state === "healthy" ? "healthy" : "degraded";
    return adopt(this.common, ctx, resolution, state, scope);
  }

  private matchGeo(info: GeoInfo): Rule {
    return (
      (info.subdivision === null ? undefined : this.subdivisions.get(info.subdivision)) ??
      (info.country === null ? undefined : this.countries.get(info.country)) ??
      (info.continent === null ? undefined : this.continents.get(info.continent)) ??
      this.fallback
    );
  }

  /**
   * The prefix a resolver may cache this answer for without crossing into a more specific CIDR rule the
   * client is not in: one bit past what the client shares with every such rule that could overlap.
   */
  private cidrScope(ctx: ResolveContext, matchedPrefix: number): number {
    let scope = matchedPrefix;
    for (const cidr of this.cidrs) {
      if (cidr.family !== ctx.client.family) continue;
      const common = commonPrefixLength(ctx.client.bytes, cidr.bytes);
      if (common < cidr.prefix && common >= matchedPrefix) scope = Math.max(scope, common + 1);
    }
    return scope;
  }
}
