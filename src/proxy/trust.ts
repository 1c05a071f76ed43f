/** Which peers' X-Forwarded-* headers we believe, and the real client address behind them. */
import { BlockList, isIP } from "node:net";

export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    this.empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const [address = "", prefix] = cidr.split("/");
      const type = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  trusts(address: string): boolean {
    if (this.empty) return false;
    const plain = unmapped(address);
    return this.list.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
  }

  /**
   * The client: the peer itself unless it is trusted; then the rightmost X-Forwarded-For entry that is not a
   * trusted proxy (the leftmost entries are whatever the client claimed).
   */
  clientAddress(peer: string, forwardedFor: string | undefined): string {
    if (forwardedFor === undefined || !this.trusts(peer)) return unmapped(peer);
    const hops = forwardedFor.split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (isIP(unmapped(hop)) === 0) break;
      if (!this.trusts(hop)) return unmapped(hop);
    }
    return unmapped(peer);
  }
}

/** "::ffff:192.0.2.1" → "192.0.2.1". */
export function unmapped(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
