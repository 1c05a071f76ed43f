/**
 * The policy sections of one zone file (`checks`, `pools`, `policies`) compiled into policy objects, and
 * the binder that turns a record's `{ policy: NAME }` into the resolved policy (STYLE §2: names resolved at
 * load). Problems are reported as `file:line: path: reason` with the line of the offending key.
 */
import { checkDefinitionIssues, checkSchema, type Check } from "../health/check-schema.ts";
import { checkReferenceProblems } from "../health/probes/registry.ts";
import { compilePolicies, policyForRecord, type Path } from "../policy/compile.ts";
import type { PolicySections } from "../policy/schema.ts";
import type { Policy, TargetRdata } from "../policy/types.ts";
import type { Problem } from "../errors.ts";
import { formatPath, type PathSegment } from "./yaml-source.ts";
import type { ZonePolicies } from "./zone.ts";

export type PolicyBinding =
  | {
      readonly ok: true;
      readonly policy: Policy;
      /** The healthy TTL: what the RRset shows before resolution (never served as such). */
      readonly ttl: number;
      readonly drillTtl: number;
      readonly regions: readonly string[];
      readonly regionOf: ReadonlyMap<TargetRdata, string>;
    }
  /** reason null: already reported (the policies section itself failed). */
  | { readonly ok: false; readonly reason: string | null };

/** Resolves a record's policy reference for a record type ("A", "AAAA", "SRV"). */
export type PolicyBinder = (policyName: string, type: string) => PolicyBinding;

const DEFAULT_DRILL_TTL = 5;
const DEFAULT_HEALTHY_TTL = 60;

/** Compiles the sections; `binder` is null when the file has no pools and no policies. */
export function compileZonePolicies(
  sections: PolicySections,
  file: string,
  lineOf: (path: readonly PathSegment[], onKey?: boolean) => number,
  problems: Problem[],
): { binder: PolicyBinder | null; zonePolicies: ZonePolicies | null } {
  const hasAny =
    Object.keys(sections.pools).length + Object.keys(sections.policies).length + Object.keys(sections.checks).length > 0;
  if (!hasAny) return { binder: null, zonePolicies: null };
  const checks = parseChecks(sections, file, lineOf, problems);
  const result = compilePolicies(sections, { file, lineOf: (path: Path) => lineOf(path) });
  if (!result.ok) {
    problems.push(...result.problems);
    const known = (name: string): boolean => name in sections.policies || name in sections.pools;
    return {
      binder: (name) => ({ ok: false, reason: known(name) ? null : `unknown policy "${name}"` }),
      zonePolicies: null,
    };
  }
  const compiled = result.compiled;
  const regionOf = new Map<TargetRdata, string>();
  for (const pool of compiled.pools.values()) for (const target of pool.targets) regionOf.set(target.rdata, pool.name);
  const binder: PolicyBinder = (name, type) => {
    const found = policyForRecord(compiled, name, type);
    if (!found.ok) return { ok: false, reason: found.reason };
    const ttl = sections.policies[name]?.ttl;
    return {
      ok: true,
      policy: found.policy,
      ttl: ttl?.healthy ?? DEFAULT_HEALTHY_TTL,
      drillTtl: ttl?.drill ?? DEFAULT_DRILL_TTL,
      regions: reachablePools(sections, name),
      regionOf,
    };
  };
  return {
    binder,
    zonePolicies: Object.freeze({ compiled, checks: checks.parsed, checkFingerprints: checks.fingerprints, checkLines: checks.lines }),
  };
}

function parseChecks(
  sections: PolicySections,
  file: string,
  lineOf: (path: readonly PathSegment[], onKey?: boolean) => number,
  problems: Problem[],
): { parsed: Map<string, Check>; fingerprints: Map<string, string>; lines: Map<string, number> } {
  const parsed = new Map<string, Check>();
  const fingerprints = new Map<string, string>();
  const lines = new Map<string, number>();
  for (const [name, definition] of Object.entries(sections.checks)) {
    const issues = checkDefinitionIssues(definition);
    for (const issue of issues) {
      const path = ["checks", name, ...issue.path];
      problems.push({ file, line: lineOf(path), path: formatPath(path), reason: issue.reason });
    }
    if (issues.length > 0) continue;
    parsed.set(name, checkSchema.parse(definition));
    fingerprints.set(name, canonicalJson(definition));
    lines.set(name, lineOf(["checks", name], true));
  }
  for (const problem of checkReferenceProblems(parsed)) {
    const path = ["checks", ...referenceSegments(problem.path)];
    problems.push({ file, line: lineOf(path), path: formatPath(path), reason: problem.reason });
  }
  return { parsed, fingerprints, lines };
}

/**
 * The health registry names a composite's fault as `NAME.checks[I]` or `NAME.checks`; back to segments (from
 * the end: a check name may itself contain dots) so the path prints like every other zone-file path.
 */
function referenceSegments(text: string): PathSegment[] {
  const match = /^(.*)\.checks(?:\[(\d+)\])?$/.exec(text);
  if (match === null) return [text];
  const [, name, index] = match;
  return index === undefined ? [name!, "checks"] : [name!, "checks", Number(index)];
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Every pool a policy (or pool) name may answer from: members, rules, regions, last resort, fallbacks. */
export function reachablePools(sections: PolicySections, start: string): string[] {
  const pools = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const pool = sections.pools[name];
    if (pool !== undefined) {
      pools.add(name);
      if (pool.fallback !== undefined) visit(pool.fallback);
      return;
    }
    const policy = sections.policies[name];
    if (policy === undefined) return;
    if (typeof policy.when_all_down === "object") visit(policy.when_all_down.pool);
    switch (policy.type) {
      case "static":
      case "weighted":
      case "multivalue":
        visit(policy.pool);
        return;
      case "failover":
        policy.members.forEach(visit);
        return;
      case "srv":
        policy.pools.forEach(visit);
        return;
      case "geo":
        policy.default.forEach(visit);
        for (const rule of policy.rules) rule.use.forEach(visit);
        return;
      case "latency":
        for (const region of policy.regions) visit(region.use);
        return;
    }
  };
  visit(start);
  return [...pools];
}
