import type { Balancer, Candidate, PickRequest } from "./balancer.ts";
import { fnv1a32, weightedSlot } from "./hash.ts";

/**
 * nginx `ip_hash`: the client's network (IPv4 /24, IPv6 /64) picks a weighted slot, so clients behind one
 * NAT range stick to one upstream. The mapping changes when the set of candidates changes; use
 * consistent-hash when that matters.
 */
export function createIpHash(): Balancer {
  return {
    name: "ip-hash",
    pick<C extends Candidate>(candidates: readonly C[], request: PickRequest): C | undefined {
      const weights = candidates.map((c) => c.weight);
      const total = weights.reduce((sum, w) => sum + w, 0);
      return candidates[weightedSlot(weights, fnv1a32(clientNetwork(request.clientIp)) % total)];
    },
  };
}

export function clientNetwork(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+)\.\d+$/i.exec(ip);
  if (v4 !== null) return v4[1]!;
  return ip.split(":").slice(0, 4).join(":");
}
