import { describe, expect, it } from "vitest";
import { authority, parseProbeAddress } from "../../../src/health/probes/probe.ts";

describe("parseProbeAddress", () => {
  it.each([
    ["10.0.0.1", { host: "10.0.0.1" }],
    ["10.0.0.1:8080", { host: "10.0.0.1", port: 8080 }],
    ["[2001:db8::1]:443", { host: "2001:db8::1", port: 443 }],
    ["[::1]", { host: "::1" }],
    ["2001:db8::1", { host: "2001:db8::1" }],
    ["probe.example.net:80", { host: "probe.example.net", port: 80 }],
  ])("%s parses", (input, expected) => {
    expect(parseProbeAddress(input)).toEqual(expected);
  });

  it.each(["10.0.0.1:0", "10.0.0.1:70000", "host name", "[zz::1]:80", "a:b:c:g!", ""])(
    "%s is rejected",
    (input) => {
      expect(parseProbeAddress(input)).toBeUndefined();
    },
  );

  it.each([
    ["127.0.0.1", 80, "127.0.0.1:80"],
    ["::1", 53, "[::1]:53"],
  ] as const)("authority(%s, %d)", (host, port, expected) => {
    expect(authority(host, port)).toBe(expected);
  });
});
