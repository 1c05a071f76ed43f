import type { Balancer, Candidate, RandomSource } from "./balancer.ts";

/**
 * Power of two choices (Mitzenmacher; Envoy's default `LEAST_REQUEST`): sample two distinct candidates at
 * random and keep the one with fewer in-flight requests per unit of weight. O(1), and avoids the herd that
 * a global least-connections causes when many proxies see the same stale counts.
 */
export function createPowerOfTwo(random: RandomSource): Balancer {
  return {
    name: "power-of-two",
    pick<C extends Candidate>(candidates: readonly C[]): C | undefined {
      const n = candidates.length;
      if (n === 1) return candidates[0];
      const first = Math.floor(random() * n);
      const second = (first + 1 + Math.floor(random() * (n - 1))) % n;
      const a = candidates[first]!;
      const b = candidates[second]!;
      return b.active / b.effectiveWeight < a.active / a.effectiveWeight ? b : a;
    },
  };
}
