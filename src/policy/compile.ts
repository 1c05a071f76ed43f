import type { Problem } from "../errors.ts";
import { parseIp, maskBytes } from "../geo/address.ts";
import { CONTINENT_CODES, isKnownCountry } from "../geo/countries.ts";
import { ipv6ToText } from "../dns/presentation.ts";
import { targetKey } from "../health/table.ts";
import { FailoverPolicy } from "./failover.ts";
import { type CidrRule, GeoPolicy } from "./geo.ts";
import { hashString } from "./hash.ts";
import { LatencyPolicy, type LatencyRegion } from "./latency.ts";
import { MultivaluePolicy } from "./multivalue.ts";
import type { PolicyConfig, PolicySections, PoolConfig, TargetConfig } from "./schema.ts";
import { SrvPolicy } from "./srv.ts";
import { StaticPolicy } from "./static.ts";
import type {
  AllDownBehaviour,
  AnswerKind,
  Policy,
  PolicyCommon,
  Pool,
  Target,
  TargetRdata,
} from "./types.ts";
import { WeightedPolicy } from "./weighted.ts";
import { formatPath } from "../zones/yaml-source.ts";

export type Path = readonly (string | number)[];

export interface CompileOptions {
  /** The zone file, for Problems. */
  readonly file: string;
  /** Line of a YAML path in that file (the caller owns the parsed document). */
  readonly lineOf: (path: Path) => number;
  /** Validates one check definition (the prober's schema lives in src/health). */
  readonly validateCheck?: (
    name: string,
    definition: Readonly<Record<string, unknown>>,
    path: Path,
  ) => readonly Problem[];
}

/** One (check, probe address) pair the prober must run; its result is read under `key`. */
export interface ProbeTarget {
  readonly key: string;
  readonly check: string;
  readonly address: string;
}

export interface CompiledPolicies {
  /** Every policy by name, and every pool as an implicit `static` policy under its own name. */
  readonly policies: ReadonlyMap<string, Policy>;
  /** The record type each name answers: an `A` record may only reference an `A` policy. */
  readonly kinds: ReadonlyMap<string, AnswerKind>;
  readonly pools: ReadonlyMap<string, Pool>;
  readonly probes: readonly ProbeTarget[];
}

export type CompileResult =
  | { readonly ok: true; readonly compiled: CompiledPolicies }
  | { readonly ok: false; readonly problems: readonly Problem[] };

const DEFAULT_TTLS = { healthy: 60, degraded: 30, allDown: 10 };

/**
 * Turns parsed `checks`/`pools`/`policies` into policy objects with every name resolved (STYLE §2).
 * Rejects dangling references, cycles (policy nesting and pool fallbacks), mixed answer types and geo codes
 * that do not exist, with one Problem per fault whose path names the offending key.
 */
export function compilePolicies(sections: PolicySections, options: CompileOptions): CompileResult {
  return new Compiler(sections, options).run();
}

/** Looks up the policy a record references and checks it answers the record's type. */
export function policyForRecord(
  compiled: CompiledPolicies,
  name: string,
  type: string,
): { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly reason: string } {
  const policy = compiled.policies.get(name);
  if (policy === undefined) return { ok: false, reason: `unknown policy "${name}"` };
  const kind = compiled.kinds.get(name);
  if (kind !== type)
    return { ok: false, reason: `policy "${name}" answers ${kind ?? "nothing"}, not ${type}` };
  return { ok: true, policy };
}

class Compiler {
  private readonly problems: Problem[] = [];
  private readonly pools = new Map<string, Pool>();
  private readonly failedPools = new Set<string>();
  private readonly policies = new Map<string, Policy>();
  private readonly kinds = new Map<string, AnswerKind>();
  private readonly probes = new Map<string, ProbeTarget>();
  private readonly sections: PolicySections;
  private readonly options: CompileOptions;

  constructor(sections: PolicySections, options: CompileOptions) {
    this.sections = sections;
    this.options = options;
  }

  run(): CompileResult {
    for (const [name, definition] of Object.entries(this.sections.checks)) {
      this.problems.push(...(this.options.validateCheck?.(name, definition, ["checks", name]) ?? []));
    }
    for (const name of Object.keys(this.sections.policies)) {
      if (name in this.sections.pools)
        this.problem(["policies", name], `"${name}" is also the name of a pool`);
    }
    for (const name of Object.keys(this.sections.pools)) this.buildPool(name, []);
    for (const name of Object.keys(this.sections.policies)) this.buildPolicy(name, []);
    if (this.problems.length > 0) return { ok: false, problems: this.problems };
    return {
      ok: true,
      compiled: {
        policies: this.policies,
        kinds: this.kinds,
        pools: this.pools,
        probes: [...this.probes.values()],
      },
    };
  }

  private problem(path: Path, reason: string): void {
    this.problems.push({
      file: this.options.file,
      line: this.options.lineOf(path),
      path: formatPath(path),
      reason,
    });
  }

  // ---- pools ---------------------------------------------------------------------------------------------

  /** Builds a pool after its fallback chain; `visiting` detects fallback cycles. Null when it cannot be built. */
  private buildPool(name: string, visiting: readonly string[]): Pool | null {
    const done = this.pools.get(name);
    if (done !== undefined) return done;
    const config = this.sections.pools[name];
    if (config === undefined || visiting.includes(name) || this.failedPools.has(name)) return null;
    const pool = this.buildPoolOnce(name, config, visiting);
    if (pool === null) this.failedPools.add(name);
    return pool;
  }

  private buildPoolOnce(name: string, config: PoolConfig, visiting: readonly string[]): Pool | null {
    const path = ["pools", name];
    const targets = config.targets.map((t, i) => this.buildTarget(t, [...path, "targets", i]));
    if (targets.some((t) => t === null)) return null;
    const built = targets as Target[];
    const kind = kindOf(built[0]!.rdata);
    const mixed = built.findIndex((t) => kindOf(t.rdata) !== kind);
    if (mixed !== -1) {
      this.problem(
        [...path, "targets", mixed],
        `pool mixes ${kind} and ${kindOf(built[mixed]!.rdata)} targets`,
      );
      return null;
    }
    const fallback = this.poolFallback(name, config, kind, visiting);
    if (fallback === undefined) return null;
    const pool: Pool = Object.freeze({
      name,
      kind,
      targets: Object.freeze(built),
      location:
        config.location === undefined
          ? null
          : { latitude: config.location.lat, longitude: config.location.lon },
      capacity: config.capacity ?? null,
      fallback,
    });
    this.pools.set(name, pool);
    this.policies.set(
      name,
      new StaticPolicy({ name, ttl: DEFAULT_TTLS, allDown: { kind: "serve-all" } }, pool),
    );
    this.kinds.set(name, kind);
    return pool;
  }

  /** The fallback pool, null when none, undefined after reporting a problem. */
  private poolFallback(
    name: string,
    config: PoolConfig,
    kind: AnswerKind,
    visiting: readonly string[],
  ): Pool | null | undefined {
    if (config.fallback === undefined) return null;
    const path = ["pools", name, "fallback"];
    if (this.sections.pools[config.fallback] === undefined) {
      this.problem(path, `unknown pool "${config.fallback}"`);
      return undefined;
    }
    if ([...visiting, name].includes(config.fallback)) {
      const cycle = [...visiting.slice(visiting.indexOf(config.fallback)), name, config.fallback];
      this.problem(path, `fallback cycle: ${cycle.join(" → ")}`);
      return undefined;
    }
    const fallback = this.buildPool(config.fallback, [...visiting, name]);
    if (fallback === null) return undefined;
    if (fallback.kind !== kind) {
      this.problem(path, `pool "${config.fallback}" answers ${fallback.kind}, this pool answers ${kind}`);
      return undefined;
    }
    return fallback;
  }

  private buildTarget(config: TargetConfig, path: Path): Target | null {
    if (config.check !== undefined && this.sections.checks[config.check] === undefined) {
      this.problem([...path, "check"], `unknown check "${config.check}"`);
      return null;
    }
    let rdata: TargetRdata;
    let id: string;
    let answered: string;
    if ("address" in config) {
      const ip = parseIp(config.address)!;
      answered = ip.family === 4 ? config.address : ipv6ToText(ip.bytes);
      rdata =
        ip.family === 4
          ? { kind: "A", address: answered, bytes: ip.bytes }
          : { kind: "AAAA", address: answered, bytes: ip.bytes };
      id = answered;
    } else {
      const target = config.srv.toLowerCase();
      answered = target;
      rdata = { kind: "SRV", priority: 0, weight: config.weight, port: config.port, target };
      id = `${target}:${config.port}`;
    }
    let healthKey: string | null = null;
    if (config.check !== undefined) {
      const address = config.probe ?? answered;
      healthKey = targetKey(config.check, address);
      this.probes.set(healthKey, { key: healthKey, check: config.check, address });
    }
    return Object.freeze({ id, rdata, weight: config.weight, healthKey, hashSeed: hashString(id) });
  }

  // ---- policies ------------------------------------------------------------------------------------------

  /** A member reference: a pool (as its implicit static policy) or a policy, built first. */
  private member(
    name: string,
    path: Path,
    visiting: readonly string[],
  ): { policy: Policy; kind: AnswerKind } | null {
    if (this.sections.pools[name] !== undefined) {
      const pool = this.buildPool(name, []);
      return pool === null ? null : { policy: this.policies.get(name)!, kind: pool.kind };
    }
    if (this.sections.policies[name] === undefined) {
      this.problem(path, `unknown pool or policy "${name}"`);
      return null;
    }
    if (visiting.includes(name)) {
      const cycle = [...visiting.slice(visiting.indexOf(name)), name];
      this.problem(path, `policy cycle: ${cycle.join(" → ")}`);
      return null;
    }
    const policy = this.buildPolicy(name, visiting);
    return policy === null ? null : { policy, kind: this.kinds.get(name)! };
  }

  private poolRef(name: string, path: Path): Pool | null {
    if (this.sections.pools[name] === undefined) {
      this.problem(path, `unknown pool "${name}"`);
      return null;
    }
    return this.buildPool(name, []);
  }

  private readonly built = new Set<string>();

  private buildPolicy(name: string, visiting: readonly string[]): Policy | null {
    if (this.built.has(name)) return this.policies.get(name) ?? null;
    const config = this.sections.policies[name];
    if (config === undefined || name in this.sections.pools) return null;
    const path = ["policies", name];
    const stack = [...visiting, name];
    const common = this.common(name, config, path);
    const result = common === null ? null : this.buildByType(config, common, path, stack);
    this.built.add(name);
    if (result === null) return null;
    this.policies.set(name, result.policy);
    this.kinds.set(name, result.kind);
    return result.policy;
  }

  private common(name: string, config: PolicyConfig, path: Path): PolicyCommon | null {
    const ttl = { healthy: config.ttl.healthy, degraded: config.ttl.degraded, allDown: config.ttl.all_down };
    const when = config.when_all_down;
    let allDown: AllDownBehaviour;
    if (typeof when === "string") allDown = { kind: when };
    else {
      const pool = this.poolRef(when.pool, [...path, "when_all_down", "pool"]);
      if (pool === null) return null;
      allDown = { kind: "pool", pool };
    }
    return Object.freeze({ name, ttl: Object.freeze(ttl), allDown });
  }

  private buildByType(
    config: PolicyConfig,
    common: PolicyCommon,
    path: Path,
    stack: readonly string[],
  ): { policy: Policy; kind: AnswerKind } | null {
    switch (config.type) {
      case "static": {
        const pool = this.poolRef(config.pool, [...path, "pool"]);
        return pool === null
          ? null
          : this.withLastResort(new StaticPolicy(common, pool), pool.kind, common, path);
      }
      case "weighted": {
        const pool = this.poolRef(config.pool, [...path, "pool"]);
        if (pool === null) return null;
        const sticky =
          config.sticky === null
            ? null
            : { ipv4Prefix: config.sticky.ipv4_prefix, ipv6Prefix: config.sticky.ipv6_prefix };
        return this.withLastResort(
          new WeightedPolicy(common, pool, config.answers, sticky),
          pool.kind,
          common,
          path,
        );
      }
      case "multivalue": {
        const pool = this.poolRef(config.pool, [...path, "pool"]);
        return pool === null
          ? null
          : this.withLastResort(new MultivaluePolicy(common, pool, config.answers), pool.kind, common, path);
      }
      case "failover": {
        const members = this.members(
          config.members.map((m, i) => [m, [...path, "members", i]] as const),
          stack,
        );
        return members === null
          ? null
          : this.withLastResort(new FailoverPolicy(common, members.policies), members.kind, common, path);
      }
      case "srv":
        return this.buildSrv(config.pools, common, path);
      case "geo":
        return this.buildGeo(config, common, path, stack);
      case "latency":
        return this.buildLatency(config, common, path, stack);
    }
  }

  private withLastResort(
    policy: Policy,
    kind: AnswerKind,
    common: PolicyCommon,
    path: Path,
  ): { policy: Policy; kind: AnswerKind } | null {
    if (common.allDown.kind === "pool" && common.allDown.pool.kind !== kind) {
      this.problem(
        [...path, "when_all_down", "pool"],
        `pool "${common.allDown.pool.name}" answers ${common.allDown.pool.kind}, this policy answers ${kind}`,
      );
      return null;
    }
    return { policy, kind };
  }

  /** Resolves member references that must all answer the same record type. */
  private members(
    refs: readonly (readonly [string, Path])[],
    stack: readonly string[],
  ): { policies: Policy[]; kind: AnswerKind } | null {
    const policies: Policy[] = [];
    let kind: AnswerKind | null = null;
    let failed = false;
    for (const [ref, refPath] of refs) {
      const member = this.member(ref, refPath, stack);
      if (member === null) {
        failed = true;
        continue;
      }
      if (kind !== null && member.kind !== kind) {
        this.problem(refPath, `"${ref}" answers ${member.kind}, the other members answer ${kind}`);
        failed = true;
        continue;
      }
      kind = member.kind;
      policies.push(member.policy);
    }
    return failed || kind === null ? null : { policies, kind };
  }

  private buildSrv(
    pools: readonly string[],
    common: PolicyCommon,
    path: Path,
  ): { policy: Policy; kind: AnswerKind } | null {
    const built: Pool[] = [];
    pools.forEach((name, i) => {
      const pool = this.poolRef(name, [...path, "pools", i]);
      if (pool !== null && pool.kind !== "SRV")
        this.problem(
          [...path, "pools", i],
          `pool "${name}" has address targets; an srv policy needs srv targets`,
        );
      else if (pool !== null) built.push(pool);
    });
    if (built.length !== pools.length) return null;
    return this.withLastResort(new SrvPolicy(common, built), "SRV", common, path);
  }

  private buildGeo(
    config: Extract<PolicyConfig, { type: "geo" }>,
    common: PolicyCommon,
    path: Path,
    stack: readonly string[],
  ): { policy: Policy; kind: AnswerKind } | null {
    const refs: (readonly [string, Path])[] = [];
    config.default.forEach((m, i) =>
      refs.push([m, [...path, "default", ...(config.default.length > 1 ? [i] : [])]]),
    );
    config.rules.forEach((rule, r) =>
      rule.use.forEach((m, i) =>
        refs.push([m, [...path, "rules", r, "use", ...(rule.use.length > 1 ? [i] : [])]]),
      ),
    );
    const resolved = this.members(refs, stack);
    const lookup = (name: string): Policy => resolved!.policies[refs.findIndex(([n]) => n === name)]!;
    const subdivisions = new Map<string, Policy[]>();
    const countries = new Map<string, Policy[]>();
    const continents = new Map<string, Policy[]>();
    const cidrs: CidrRule[] = [];
    const seen = new Map<string, string>();
    let ok = resolved !== null;
    config.rules.forEach((rule, r) => {
      const rulePath = [...path, "rules", r];
      const keys = (["continent", "country", "subdivision", "cidr"] as const).filter(
        (k) => rule[k] !== undefined,
      );
      if (keys.length !== 1) {
        this.problem(rulePath, "a rule matches exactly one of continent, country, subdivision or cidr");
        ok = false;
        return;
      }
      const key = keys[0]!;
      const members = resolved === null ? [] : rule.use.map(lookup);
      for (const code of rule[key]!) {
        const reason = checkGeoCode(key, code);
        const where = seen.get(`${key} ${code}`);
        if (reason !== null || where !== undefined) {
          this.problem([...rulePath, key], reason ?? `${key} ${code} already matched by rule ${where}`);
          ok = false;
          continue;
        }
        seen.set(`${key} ${code}`, String(r));
        if (key === "cidr") cidrs.push(parseCidr(code, members));
        else
          (key === "continent" ? continents : key === "country" ? countries : subdivisions).set(
            code,
            members,
          );
      }
    });
    if (!ok || resolved === null) return null;
    const fallback = config.default.map(lookup);
    const policy = new GeoPolicy(common, { cidrs, subdivisions, countries, continents, fallback });
    return this.withLastResort(policy, resolved.kind, common, path);
  }

  private buildLatency(
    config: Extract<PolicyConfig, { type: "latency" }>,
    common: PolicyCommon,
    path: Path,
    stack: readonly string[],
  ): { policy: Policy; kind: AnswerKind } | null {
    const resolved = this.members(
      config.regions.map((r, i) => [r.use, [...path, "regions", i, "use"]] as const),
      stack,
    );
    if (resolved === null) return null;
    let ok = true;
    const regions: LatencyRegion[] = config.regions.map((r, i) => {
      const poolLocation = this.pools.get(r.use)?.location ?? null;
      const location =
        r.location === undefined ? poolLocation : { latitude: r.location.lat, longitude: r.location.lon };
      if (location === null && config.table === undefined) {
        this.problem(
          [...path, "regions", i],
          `region "${r.use}" has no location: give the pool or the region a location, or add a latency table`,
        );
        ok = false;
      }
      return { name: r.use, member: resolved.policies[i]!, location, weight: r.weight };
    });
    const names = new Set(regions.map((r) => r.name));
    if (names.size !== regions.length) {
      this.problem([...path, "regions"], "a region is listed twice");
      ok = false;
    }
    const table = new Map<string, Map<string, number>>();
    for (const [client, row] of Object.entries(config.table ?? {})) {
      const code = client.toUpperCase();
      if (checkGeoCode("country", code) !== null && checkGeoCode("continent", code) !== null) {
        this.problem([...path, "table", client], `"${client}" is neither a country nor a continent code`);
        ok = false;
      }
      const entries = new Map<string, number>();
      for (const [region, ms] of Object.entries(row)) {
        if (!names.has(region)) {
          this.problem([...path, "table", client, region], `"${region}" is not one of this policy's regions`);
          ok = false;
        }
        entries.set(region, ms);
      }
      table.set(code, entries);
    }
    if (!ok) return null;
    const policy = new LatencyPolicy(
      common,
      regions,
      config.table === undefined ? null : table,
      config.tolerance_ms,
    );
    return this.withLastResort(policy, resolved.kind, common, path);
  }
}

function kindOf(rdata: TargetRdata): AnswerKind {
  return rdata.kind;
}

function checkGeoCode(key: "continent" | "country" | "subdivision" | "cidr", code: string): string | null {
  switch (key) {
    case "continent":
      return (CONTINENT_CODES as readonly string[]).includes(code) ? null : `unknown continent "${code}"`;
    case "country":
      return isKnownCountry(code) ? null : `unknown ISO 3166-1 country "${code}"`;
    case "subdivision":
      return isKnownCountry(code.slice(0, 2)) ? null : `unknown country in subdivision "${code}"`;
    case "cidr":
      return cidrProblem(code);
  }
}

function cidrProblem(text: string): string | null {
  const [address, prefixText, extra] = text.split("/");
  const ip = parseIp(address ?? "");
  if (ip === null || prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) {
    return `"${text}" is not a network such as 192.0.2.0/24 or 2001:db8::/32`;
  }
  const prefix = Number(prefixText);
  if (prefix > (ip.family === 4 ? 32 : 128)) return `prefix /${prefix} is too long for ${address}`;
  const masked = maskBytes(ip.bytes, prefix);
  if (masked.some((b, i) => b !== ip.bytes[i])) return `"${text}" has host bits set past /${prefix}`;
  return null;
}

function parseCidr(text: string, members: readonly Policy[]): CidrRule {
  const [address, prefixText] = text.split("/");
  const ip = parseIp(address!)!;
  return { family: ip.family, bytes: ip.bytes, prefix: Number(prefixText), text, members };
}
