import type { Balancer, RandomSource } from "./balancer.ts";
import { createConsistentHash } from "./consistent-hash.ts";
import { createIpHash } from "./ip-hash.ts";
import { createLeastConnections } from "./least-connections.ts";
import { createLeastResponseTime } from "./least-response-time.ts";
import { createPowerOfTwo } from "./power-of-two.ts";
import { createRandom } from "./random.ts";
import { createRoundRobin } from "./round-robin.ts";
import { createWeightedRoundRobin } from "./weighted-round-robin.ts";

export interface BalancerDeps {
  readonly random: RandomSource;
}

/** Every balancer by its config name. Each upstream group gets its own instance (balancers keep state). */
export const BALANCERS = {
  "round-robin": () => createRoundRobin(),
  "weighted-round-robin": () => createWeightedRoundRobin(),
  "least-connections": () => createLeastConnections(),
  "least-response-time": () => createLeastResponseTime(),
  "power-of-two": (deps: BalancerDeps) => createPowerOfTwo(deps.random),
  "ip-hash": () => createIpHash(),
  "consistent-hash": () => createConsistentHash(),
  random: (deps: BalancerDeps) => createRandom(deps.random),
} as const satisfies Record<string, (deps: BalancerDeps) => Balancer>;

export type BalancerName = keyof typeof BALANCERS;

export const BALANCER_NAMES = Object.keys(BALANCERS) as [BalancerName, ...BalancerName[]];

export function createBalancer(name: BalancerName, deps: BalancerDeps = { random: Math.random }): Balancer {
  return BALANCERS[name](deps);
}
