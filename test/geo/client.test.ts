import { describe, expect, it } from "vitest";
import type { ClientSubnet } from "../../src/dns/types.ts";
import { clientAddress, clientFromText, ecsScopeFor } from "../../src/geo/client.ts";

const ecs = (family: 1 | 2, sourcePrefix: number, address: number[]): ClientSubnet => ({
  family,
  sourcePrefix,
  scopePrefix: 0,
  address: Uint8Array.from(address),
});
const v6 = (...head: number[]): number[] => [...head, ...new Array<number>(16 - head.length).fill(0)];

describe("clientAddress", () => {
  it.each([
    ["no ECS, IPv4 source", "198.51.100.7", null, 4, "198.51.100.7", 32, false],
    ["no ECS, mapped source", "::ffff:198.51.100.7", null, 4, "198.51.100.7", 32, false],
    ["no ECS, IPv6 source", "2001:db8::53", null, 6, "2001:db8:0:0:0:0:0:53", 128, false],
    ["ECS /24 wins over source", "198.51.100.7", ecs(1, 24, [203, 0, 113, 0]), 4, "203.0.113.0", 24, true],
    [
      "ECS bits past the prefix cleared",
      "198.51.100.7",
      ecs(1, 20, [203, 0, 127, 9]),
      4,
      "203.0.112.0",
      20,
      true,
    ],
    [
      "ECS /56 IPv6 from IPv4 source",
      "198.51.100.7",
      ecs(2, 56, v6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x12)),
      6,
      "2001:db8:0:1200:0:0:0:0",
      56,
      true,
    ],
    [
      "ECS /0: source address, scope capped at 0",
      "198.51.100.7",
      ecs(1, 0, [0, 0, 0, 0]),
      4,
      "198.51.100.7",
      0,
      false,
    ],
  ] as const)("%s", (_name, source, subnet, family, text, sourcePrefix, fromEcs) => {
    const client = clientAddress(source, subnet);
    expect(client).toMatchObject({ family, text, sourcePrefix, fromEcs });
  });

  it.each([
    ["IPv4 ECS prefix over 32", ecs(1, 33, [203, 0, 113, 0])],
    ["IPv4 ECS with 16 bytes", ecs(1, 24, v6(203, 0, 113))],
    ["IPv6 ECS prefix over 128", ecs(2, 129, v6(0x20, 0x01))],
  ])("invalid ECS falls back to the source: %s", (_name, subnet) => {
    expect(clientAddress("198.51.100.7", subnet)).toMatchObject({
      text: "198.51.100.7",
      sourcePrefix: 32,
      fromEcs: false,
    });
  });

  it.each([
    ["/120 is the IPv4 /24", 120, [81, 2, 69, 77], "81.2.69.0", 24],
    ["/128 is the IPv4 /32", 128, [81, 2, 69, 77], "81.2.69.77", 32],
    ["/96 is the IPv4 /0", 96, [81, 2, 69, 77], "0.0.0.0", 0],
  ] as const)(
    "an IPv4-mapped FAMILY 2 subnet is the IPv4 subnet: %s",
    (_name, prefix, v4, text, sourcePrefix) => {
      const mapped = ecs(2, prefix, [...new Array<number>(10).fill(0), 0xff, 0xff, ...v4]);
      expect(clientAddress("2001:db8::53", mapped)).toMatchObject({
        family: 4,
        text,
        sourcePrefix,
        fromEcs: true,
        ecsPrefixOffset: 96,
      });
    },
  );

  it("a FAMILY 2 subnet shorter than the mapped prefix stays IPv6", () => {
    const short = ecs(2, 88, [...new Array<number>(10).fill(0), 0xff, 0, 0, 0, 0, 0]);
    expect(clientAddress("2001:db8::53", short)).toMatchObject({
      family: 6,
      sourcePrefix: 88,
      ecsPrefixOffset: 0,
    });
  });

  it("the reply scope adds the mapped offset back, except a scope of 0", () => {
    const mapped = clientAddress(
      "2001:db8::53",
      ecs(2, 120, [...new Array<number>(10).fill(0), 0xff, 0xff, 81, 2, 69, 0]),
    )!;
    expect(ecsScopeFor(mapped, 17)).toBe(113);
    expect(ecsScopeFor(mapped, 0)).toBe(0);
    expect(ecsScopeFor(clientAddress("192.0.2.1", null)!, 24)).toBe(24);
  });

  it("an unparsable source without ECS gives null", () => {
    expect(clientAddress("not-an-ip", null)).toBeNull();
  });
});

describe("clientFromText", () => {
  it.each([
    ["192.0.2.77", "192.0.2.77", 32],
    ["192.0.2.77/24", "192.0.2.0", 24],
    ["2001:db8::1/48", "2001:db8:0:0:0:0:0:0", 48],
    ["::ffff:192.0.2.77", "192.0.2.77", 32],
    ["::ffff:192.0.2.77/120", "192.0.2.0", 24],
  ])("%s", (text, expected, prefix) => {
    expect(clientFromText(text)).toMatchObject({ text: expected, sourcePrefix: prefix });
  });
  it.each(["192.0.2.1/33", "192.0.2.1/x", "nope", "2001:db8::/129", "::ffff:192.0.2.1/95"])(
    "rejects %s",
    (text) => {
      expect(clientFromText(text)).toBeNull();
    },
  );
});
