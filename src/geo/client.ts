import type { ClientSubnet } from "../dns/types.ts";
import { formatIp, isV4Mapped, maskBytes, parseIp } from "./address.ts";

/**
 * Who a policy answers for (RFC 7871): the ECS subnet when the query carries a valid one, else the address
 * the query came from. `sourcePrefix` is how much of the address is known (the ECS source prefix, else
 * 32/128) and bounds every ECS scope a policy may return.
 */
export interface ClientAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, bits past `sourcePrefix` cleared. */
  readonly bytes: Uint8Array;
  readonly sourcePrefix: number;
  /** Presentation form of `bytes`, for the GeoIP lookup and for explanations. */
  readonly text: string;
  readonly fromEcs: boolean;
  /**
   * Bits the ECS option counts before `bytes` begins: 96 when an IPv6 (FAMILY 2) subnet is IPv4-mapped
   * (`::ffff:a.b.c.d/120` is the IPv4 /24 and is looked up as such), else 0. The scope a policy returns is in
   * `bytes`' terms; the reply's scope adds this back (a scope of 0 stays 0).
   */
  readonly ecsPrefixOffset: 0 | 96;
}

/** The ECS scope to send for a policy scope computed against `client`. */
export function ecsScopeFor(client: ClientAddress, scope: number): number {
  return scope === 0 ? 0 : scope + client.ecsPrefixOffset;
}

/**
 * An ECS option with source prefix 0 (a resolver that opts out, RFC 7871 §7.1.2) or an invalid one leaves the
 * source address as the client; a source prefix of 0 still caps the scope at 0, so the answer is cached for
 * everybody, as it would be for a resolver without ECS.
 */
export function clientAddress(sourceAddress: string, ecs: ClientSubnet | null): ClientAddress | null {
  if (ecs !== null && isValidEcs(ecs) && ecs.sourcePrefix > 0) {
    if (ecs.family === 2 && ecs.sourcePrefix >= 96 && isV4Mapped(ecs.address)) {
      const sourcePrefix = ecs.sourcePrefix - 96;
      const bytes = maskBytes(ecs.address.subarray(12), sourcePrefix);
      return { family: 4, bytes, sourcePrefix, text: formatIp(4, bytes), fromEcs: true, ecsPrefixOffset: 96 };
    }
    const family = ecs.family === 1 ? 4 : 6;
    const bytes = maskBytes(ecs.address, ecs.sourcePrefix);
    return {
      family,
      bytes,
      sourcePrefix: ecs.sourcePrefix,
      text: formatIp(family, bytes),
      fromEcs: true,
      ecsPrefixOffset: 0,
    };
  }
  const parsed = parseIp(sourceAddress);
  if (parsed === null) return null;
  const full = parsed.family === 4 ? 32 : 128;
  const sourcePrefix = ecs !== null && isValidEcs(ecs) ? 0 : full;
  return {
    family: parsed.family,
    bytes: parsed.bytes,
    sourcePrefix,
    text: formatIp(parsed.family, parsed.bytes),
    fromEcs: false,
    ecsPrefixOffset: 0,
  };
}

function isValidEcs(ecs: ClientSubnet): boolean {
  if (ecs.family === 1) return ecs.address.length === 4 && ecs.sourcePrefix <= 32;
  return ecs.address.length === 16 && ecs.sourcePrefix <= 128;
}

/** A client from address text with an optional prefix ("192.0.2.0/24"), as `gslb explain --client` takes it. */
export function clientFromText(text: string): ClientAddress | null {
  const slash = text.indexOf("/");
  const parsed = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (parsed === null) return null;
  const full = parsed.family === 4 ? 32 : 128;
  let prefix = slash === -1 ? full : Number(text.slice(slash + 1));
  // `::ffff:192.0.2.0/120` is the IPv4 /24 (parseIp already unmapped the address).
  if (slash !== -1 && parsed.family === 4 && text.includes(":")) prefix -= 96;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > full) return null;
  const bytes = maskBytes(parsed.bytes, prefix);
  return {
    family: parsed.family,
    bytes,
    sourcePrefix: prefix,
    text: formatIp(parsed.family, bytes),
    fromEcs: slash !== -1,
    ecsPrefixOffset: 0,
  };
}
