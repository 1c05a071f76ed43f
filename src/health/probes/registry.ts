/** The one table from check kind to probe factory, plus composite resolution (names → member probes). */
import { ErrorCodes, GslbError } from "../../errors.ts";
import type { Check } from "../check-schema.ts";
import { createCompositeProbe } from "./composite.ts";
import { createDnsProbe } from "./dns.ts";
import { createHttpProbe } from "./http.ts";
import type { Probe } from "./probe.ts";
import { createProxyProbe } from "./proxy.ts";
import { createTcpProbe } from "./tcp.ts";

export type CheckLookup = ReadonlyMap<string, Check>;

/** Builds the probe for check `name`; composite members are looked up in `checks`. Throws on a bad reference. */
export function createProbe(name: string, checks: CheckLookup): Probe {
  const problems = checkReferenceProblems(checks);
  if (problems.length > 0) {
    throw new GslbError(
      ErrorCodes.PROBE_CONFIG,
      problems.map((p) => `checks.${p.path}: ${p.reason}`).join("\n"),
    );
  }
  return build(name, checks);
}

function build(name: string, checks: CheckLookup): Probe {
  const check = checks.get(name);
  if (check === undefined) throw new GslbError(ErrorCodes.PROBE_CONFIG, `unknown check "${name}"`);
  switch (check.kind) {
    case "http":
    case "https":
      return createHttpProbe(check);
    case "tcp":
      return createTcpProbe(check);
    case "dns":
      return createDnsProbe(check);
    case "proxy":
      return createProxyProbe(check);
    case "composite":
      return createCompositeProbe(
        check,
        check.checks.map((member) => ({ name: member, probe: build(member, checks) })),
      );
  }
}

/** Semantic checks for the zone loader: composite members exist and do not form a cycle. */
export function checkReferenceProblems(checks: CheckLookup): { path: string; reason: string }[] {
  const problems: { path: string; reason: string }[] = [];
  for (const [name, check] of checks) {
    if (check.kind !== "composite") continue;
    check.checks.forEach((member, i) => {
      if (!checks.has(member))
        problems.push({ path: `${name}.checks[${i}]`, reason: `unknown check "${member}"` });
    });
    const cycle = findCycle(name, checks, []);
    if (cycle !== undefined) problems.push({ path: `${name}.checks`, reason: `cycle ${cycle.join(" -> ")}` });
  }
  return problems;
}

function findCycle(name: string, checks: CheckLookup, path: readonly string[]): string[] | undefined {
  if (path.includes(name)) return path[0] === name ? [...path, name] : undefined;
  const check = checks.get(name);
  if (check?.kind !== "composite") return undefined;
  for (const member of check.checks) {
    const cycle = findCycle(member, checks, [...path, name]);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
