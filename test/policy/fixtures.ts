/** Shared helpers of the policy tests: compile sections, a fake GeoIP, health tables, a seeded random. */
import type { Problem } from "../../src/errors.ts";
import { commonPrefixLength, parseIp } from "../../src/geo/address.ts";
import { clientFromText } from "../../src/geo/client.ts";
import { continentOf, centroidOf } from "../../src/geo/countries.ts";
import type { GeoLookup, GeoResult } from "../../src/geo/reader.ts";
import { type GeoInfo, UNKNOWN_GEO } from "../../src/geo/record.ts";
import { ALWAYS_UP, StaticHealthView, type TargetHealth, type TargetState } from "../../src/health/table.ts";
import { compilePolicies, type CompiledPolicies } from "../../src/policy/compile.ts";
import { QueryContext } from "../../src/policy/context.ts";
import { policySectionsSchema } from "../../src/policy/schema.ts";
import type { Trace } from "../../src/policy/trace.ts";
import type { Policy, RandomSource, Resolution } from "../../src/policy/types.ts";

export function compileResult(sections: unknown) {
  return compilePolicies(policySectionsSchema.parse(sections), {
    file: "zone.yaml",
    lineOf: (path) => path.length,
  });
}

export function compile(sections: unknown): CompiledPolicies {
  const result = compileResult(sections);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.reason}`).join("\n"));
  return result.compiled;
}

export function problemsOf(sections: unknown): readonly Problem[] {
  const result = compileResult(sections);
  return result.ok ? [] : result.problems;
}

export function policy(compiled: CompiledPolicies, name: string): Policy {
  const p = compiled.policies.get(name);
  if (p === undefined) throw new Error(`no policy ${name}`);
  return p;
}

/** GeoIP from a table of networks; longest match wins, the prefix returned is the network's. */
export class FakeGeo implements GeoLookup {
  private readonly entries: { family: 4 | 6; bytes: Uint8Array; prefix: number; info: GeoInfo }[];
  lookups = 0;

  constructor(
    entries: Readonly<Record<string, { country: string; subdivision?: string; lat?: number; lon?: number }>>,
  ) {
    this.entries = Object.entries(entries).map(([network, e]) => {
      const [address, prefix] = network.split("/");
      const ip = parseIp(address!)!;
      const centroid = centroidOf(e.country);
      const own = e.lat !== undefined && e.lon !== undefined;
      const info: GeoInfo = {
        country: e.country,
        continent: continentOf(e.country),
        subdivision: e.subdivision ?? null,
        latitude: own ? e.lat! : (centroid?.latitude ?? null),
        longitude: own ? e.lon! : (centroid?.longitude ?? null),
        locationSource: own ? "database" : centroid === null ? null : "country-centroid",
      };
      return { family: ip.family, bytes: ip.bytes, prefix: Number(prefix), info };
    });
    this.entries.sort((a, b) => b.prefix - a.prefix);
  }

  lookup(client: { family: 4 | 6; bytes: Uint8Array }): GeoResult {
    this.lookups++;
    for (const e of this.entries) {
      if (e.family === client.family && commonPrefixLength(e.bytes, client.bytes) >= e.prefix) {
        return { info: e.info, prefixLength: e.prefix };
      }
    }
    return { info: UNKNOWN_GEO, prefixLength: 8 };
  }
}

export const NO_GEO = new FakeGeo({});

function state(s: TargetState): TargetHealth {
  return { ...ALWAYS_UP, state: s, source: "probe", reason: s === "up" ? "ok" : "probe failed" };
}

/** Targets by health key (`check@address`) and regions by pool name; everything else is up. */
export function health(
  targets: Readonly<Record<string, TargetState>> = {},
  regions: Readonly<Record<string, TargetState>> = {},
): StaticHealthView {
  return new StaticHealthView(
    new Map(Object.entries(targets).map(([k, s]) => [k, state(s)])),
    new Map(Object.entries(regions).map(([k, s]) => [k, { ...state(s), source: "override" as const }])),
  );
}

/** mulberry32: small, fast, good enough for tests, exact across runs. */
export function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CtxOptions {
  readonly geo?: GeoLookup;
  readonly health?: StaticHealthView;
  readonly random?: RandomSource;
  readonly trace?: Trace;
}

export function ctx(client: string, options: CtxOptions = {}): QueryContext {
  const address = clientFromText(client);
  if (address === null) throw new Error(`bad client ${client}`);
  return new QueryContext(
    address,
    options.geo ?? NO_GEO,
    options.health ?? health(),
    options.random ?? seeded(1),
    options.trace ?? null,
  );
}

/** The answered addresses (or SRV "priority weight port target") of a resolution. */
export function answers(resolution: Resolution): string[] {
  return resolution.rdata.map((r) =>
    r.kind === "SRV" ? `${r.priority} ${r.weight} ${r.port} ${r.target}` : r.address,
  );
}

export function resolveWith(
  compiled: CompiledPolicies,
  name: string,
  client: string,
  options: CtxOptions = {},
): Resolution {
  return policy(compiled, name).resolve(ctx(client, options));
}
