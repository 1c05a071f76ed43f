/**
 * Composite probe: runs member probes against the same address in parallel and combines them —
 * all must pass, any may pass, or at least N must pass. The RTT is the slowest passing member's.
 */
import type { CompositeCheck } from "../check-schema.ts";
import { probeFail, probeOk, type Probe, type ProbeResult } from "./probe.ts";

export interface CompositeMember {
  readonly name: string;
  readonly probe: Probe;
}

export function createCompositeProbe(
  check: Pick<CompositeCheck, "mode" | "n">,
  members: readonly CompositeMember[],
): Probe {
  const needed = requiredPasses(check, members.length);
  return {
    kind: "composite",
    run: async (target, signal) => {
      const results = await Promise.all(members.map((m) => m.probe.run(target, signal)));
      return combine(members, results, needed);
    },
    close: async () => {
      await Promise.all(members.map((m) => m.probe.close?.()));
    },
  };
}

function requiredPasses(check: Pick<CompositeCheck, "mode" | "n">, count: number): number {
  switch (check.mode) {
    case "all":
      return count;
    case "any":
      return 1;
    case "at-least":
      return Math.min(check.n ?? count, count);
  }
}

function combine(
  members: readonly CompositeMember[],
  results: readonly ProbeResult[],
  needed: number,
): ProbeResult {
  const passed = results.filter((r) => r.ok);
  const failures = results.flatMap((r, i) => (r.ok ? [] : [`${members[i]!.name}: ${r.detail}`]));
  const summary = `${passed.length}/${results.length} passed, need ${needed}`;
  if (passed.length < needed) return probeFail(`${summary}; ${failures.join("; ")}`);
  return probeOk(Math.max(0, ...passed.map((r) => r.rttMs ?? 0)), summary);
}
