import type { Policy, Resolution, ResolveContext } from "./types.ts";

export interface Walked {
  /** Position of the member that answered, or -1 when every member is all-down. */
  readonly index: number;
  /** The answering member's resolution; when all are down, the first member's (its own all-down answer). */
  readonly resolution: Resolution;
  /**
   * The widest ECS scope of every member resolved, skipped ones included: whether a member was all-down can
   * itself depend on the client (a geo member), so the answer depends on what each of them depended on.
   */
  readonly scope: number;
}

/**
 * The failover walk every composite policy shares (STYLE §4, gdnsd's metafo): members in order, the first
 * that is not all-down answers. Geo and latency call it with a per-client order of their members.
 * `members` is never empty (checked at load).
 */
export function firstAvailable(owner: string, members: readonly Policy[], ctx: ResolveContext): Walked {
  let first: Resolution | null = null;
  let scope = 0;
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    ctx.trace?.add(owner, "member", { member: member.name, position: i });
    const resolution = member.resolve(ctx);
    scope = Math.max(scope, resolution.ecsScopePrefix);
    if (resolution.state !== "all-down") return { index: i, resolution, scope };
    first ??= resolution;
    ctx.trace?.add(owner, "fallback", { from: member.name, reason: "all targets down" });
  }
  return { index: -1, resolution: first!, scope };
}
