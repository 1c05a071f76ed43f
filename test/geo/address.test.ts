import { describe, expect, it } from "vitest";
import { commonPrefixLength, formatIp, maskBytes, parseIp } from "../../src/geo/address.ts";

describe("parseIp", () => {
  it.each([
    ["192.0.2.1", 4, "192.0.2.1"],
    ["0.0.0.0", 4, "0.0.0.0"],
    ["::ffff:192.0.2.1", 4, "192.0.2.1"],
    ["::FFFF:c000:0201", 4, "192.0.2.1"],
    ["2001:db8::1", 6, "2001:db8:0:0:0:0:0:1"],
    ["::", 6, "0:0:0:0:0:0:0:0"],
    ["::1", 6, "0:0:0:0:0:0:0:1"],
    ["fe80::1%eth0", 6, "fe80:0:0:0:0:0:0:1"],
    ["64:ff9b::192.0.2.1", 6, "64:ff9b:0:0:0:0:c000:201"],
    ["1:2:3:4:5:6:7:8", 6, "1:2:3:4:5:6:7:8"],
  ] as const)("%s → IPv%i %s", (text, family, formatted) => {
    const parsed = parseIp(text);
    expect(parsed?.family).toBe(family);
    expect(formatIp(parsed!.family, parsed!.bytes)).toBe(formatted);
  });

  it.each([
    "",
    "256.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "::g",
    "1:2:3:4:5:6:7::8",
    "example.com",
  ])("rejects %j", (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe("maskBytes / commonPrefixLength", () => {
  it.each([
    [[192, 0, 2, 255], 24, [192, 0, 2, 0]],
    [[192, 0, 2, 255], 25, [192, 0, 2, 128]],
    [[255, 255, 255, 255], 0, [0, 0, 0, 0]],
    [[255, 255, 255, 255], 32, [255, 255, 255, 255]],
    [[10, 255, 0, 0], 9, [10, 128, 0, 0]],
  ])("%j masked to /%i is %j", (input, prefix, expected) => {
    expect([...maskBytes(Uint8Array.from(input), prefix)]).toEqual(expected);
  });

  it.each([
    [[10, 0, 0, 0], [10, 0, 0, 0], 32],
    [[10, 0, 0, 0], [10, 0, 0, 1], 31],
    [[10, 0, 0, 0], [138, 0, 0, 0], 0],
    [[10, 1, 0, 0], [10, 0, 0, 0], 15],
  ])("%j and %j share %i bits", (a, b, expected) => {
    expect(commonPrefixLength(Uint8Array.from(a), Uint8Array.from(b))).toBe(expected);
  });
});
