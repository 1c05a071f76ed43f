import { describe, expect, it } from "vitest";
import {
  ipv6ToText,
  isSubdomain,
  nameFromLabels,
  nameToText,
  parentName,
  parseName,
  parseRdata,
  rdataToText,
  typeFromText,
} from "../../src/dns/presentation.ts";

const origin = "example.com.";

describe("parseName", () => {
  const good: [string, string][] = [
    ["@", "example.com."],
    ["www", "www.example.com."],
    ["WWW.Example.COM.", "www.example.com."],
    ["a.b", "a.b.example.com."],
    [".", "."],
    ["*", "*.example.com."],
    ["_sip._tcp", "_sip._tcp.example.com."],
    ["a\\.b", "a\\.b.example.com."],
    ["a\\065", "aa.example.com."],
    ["sp\\032ace.", "sp\\032ace."],
    ["x\\/y.", "x\\047y."],
    ["a\\\\b.", "a\\092b."],
  ];
  it.each(good)("%s → %s", (text, expected) => {
    expect(parseName(text, origin)).toEqual({ ok: true, value: expected });
  });

  const bad: [string, string][] = [
    ["", "empty name"],
    ["a..b", "empty label"],
    [".a", "empty label"],
    ["a".repeat(64), "label longer than 63 bytes"],
    [Array.from({ length: 130 }, () => "a").join(".") + ".", "longer than 255 bytes"],
    ["a\\300", "over 255"],
    ["a\\1b", "exactly three digits"],
    ["a\\", "dangling backslash"],
    ["é", "non-ASCII"],
  ];
  it.each(bad)("rejects %j (%s)", (text, reason) => {
    const result = parseName(text, origin);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it("counts the origin in the 255-byte limit", () => {
    const long = Array.from({ length: 4 }, () => "a".repeat(60)).join(".");
    expect(parseName(long + ".", ".").ok).toBe(true);
    expect(parseName(long, origin).ok).toBe(false);
  });
});

describe("name helpers", () => {
  const subdomains: [string, string, boolean][] = [
    ["www.example.com.", "example.com.", true],
    ["example.com.", "example.com.", true],
    ["anything.", ".", true],
    ["wwwexample.com.", "example.com.", false],
    ["a\\.example.com.", "example.com.", false],
    ["example.com.", "www.example.com.", false],
  ];
  it.each(subdomains)("isSubdomain(%s, %s) = %s", (name, zone, expected) => {
    expect(isSubdomain(name, zone)).toBe(expected);
  });

  it("parentName walks up to the root", () => {
    expect(parentName("a\\.b.c.")).toBe("c.");
    expect(parentName("c.")).toBe(".");
    expect(parentName(".")).toBeUndefined();
  });

  it("nameFromLabels is the canonical form of wire labels", () => {
    expect(nameFromLabels([Buffer.from("WwW"), Buffer.from("a.b"), Buffer.from("x y")])).toBe(
      "www.a\\.b.x\\032y.",
    );
    expect(nameFromLabels([])).toBe(".");
  });

  it("nameToText prints like dig", () => {
    expect(nameToText("a\\.b.x\\032y.\\047.")).toBe("a\\.b.x\\032y./.");
    expect(nameToText("\\064.\\034.")).toBe('\\@.\\".');
  });
});

describe("typeFromText", () => {
  it.each([
    ["mx", 15],
    ["AAAA", 28],
    ["HTTPS", 65],
    ["TYPE65280", 65280],
    ["type1", 1],
  ])("%s → %d", (text, code) => {
    expect(typeFromText(text)).toBe(code);
  });
  it.each(["FOO", "TYPE65536", "TYPE"])("rejects %s", (text) => {
    expect(typeFromText(text)).toBeUndefined();
  });
});

describe("parseRdata → rdataToText", () => {
  // [type, input, the text dig prints]
  const roundTrips: [string, string, string][] = [
    ["A", "192.0.2.1", "192.0.2.1"],
    ["AAAA", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["AAAA", "2001:db8:0:1:0:0:0:0", "2001:db8:0:1::"],
    ["AAAA", "2001:db8::1:0:0:1", "2001:db8::1:0:0:1"],
    ["AAAA", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["AAAA", "2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1"],
    ["AAAA", "::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["AAAA", "::", "::"],
    ["AAAA", "::1", "::1"],
    ["NS", "ns1", "ns1.example.com."],
    ["CNAME", "target.example.net.", "target.example.net."],
    ["PTR", "@", "example.com."],
    ["MX", "10 mail", "10 mail.example.com."],
    [
      "SOA",
      "ns1 hostmaster 2024010101 2h 1h 2w 300",
      "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
    ],
    ["TXT", '"v=spf1 -all"', '"v=spf1 -all"'],
    ["TXT", '"a" "b c" d', '"a" "b c" "d"'],
    ["TXT", '"say \\"hi\\" \\\\ \\007"', '"say \\"hi\\" \\\\ \\007"'],
    ["TXT", '""', '""'],
    ["TXT", '"caf\\195\\169"', '"caf\\195\\169"'],
    ["SRV", "0 5 443 app", "0 5 443 app.example.com."],
    ["CAA", '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'],
    ["CAA", "128 IODEF mailto:a@example.com", '128 iodef "mailto:a@example.com"'],
    ["TYPE65280", "\\# 4 0a 00 00 01", "\\# 4 0A000001"],
    ["HINFO", "\\# 0", "\\# 0"],
    ["A", "\\# 4 C0000201", "192.0.2.1"],
    ["TXT", "\\# 4 03616263", '"abc"'],
  ];
  it.each(roundTrips)("%s %s", (type, text, expected) => {
    const parsed = parseRdata(type, text, origin);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(rdataToText(parsed.rdata)).toBe(expected);
  });

  it("splits a string over 255 bytes into 255-byte chunks", () => {
    const parsed = parseRdata("TXT", `"${"x".repeat(600)}"`, origin);
    expect(parsed.ok && parsed.rdata.kind === "TXT" && parsed.rdata.strings.map((s) => s.length)).toEqual([
      255, 255, 90,
    ]);
  });

  it("keeps the address bytes beside the text", () => {
    const parsed = parseRdata("AAAA", "2001:db8::192.0.2.1", origin);
    expect(parsed.ok && parsed.rdata.kind === "AAAA" && Array.from(parsed.rdata.bytes)).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
    ]);
  });

  const bad: [string, string, string][] = [
    ["A", "192.0.2", "is not an IPv4 address"],
    ["A", "192.0.2.01", "is not an IPv4 address"],
    ["A", "192.0.2.1 192.0.2.2", "expected 1 field"],
    ["AAAA", "2001:db8::g", "is not an IPv6 address"],
    ["AAAA", "fe80::1%eth0", "is not an IPv6 address"],
    ["MX", "mail", "expected 2 fields"],
    ["MX", "65536 mail", "preference 65536 is over 65535"],
    ["MX", "x mail", 'preference "x" is not a number'],
    ["SOA", "ns1 hostmaster 1 2 3 4", "expected 7 fields"],
    ["SOA", "ns1 hostmaster 4294967296 1 2 3 4", "serial 4294967296 is over"],
    ["SOA", "ns1 hostmaster 1 1x 2 3 4", 'refresh "1x"'],
    ["TXT", "", "at least one character-string"],
    ["TXT", '"open', "unterminated quoted string"],
    ["SRV", "0 5 app", "expected 4 fields"],
    ["SRV", "0 5 70000 app", "port 70000 is over 65535"],
    ["CAA", '0 is-sue "x"', "must be 1-15 letters or digits"],
    ["CAA", '256 issue "x"', "flags 256 is over 255"],
    ["NS", '"ns1"', "must not be quoted"],
    ["CNAME", "a..b", "empty label"],
    ["FOO", "1", 'unknown record type "FOO"'],
    ["HINFO", '"cpu" "os"', "only accepted in the RFC 3597 generic form"],
    ["TYPE65280", "\\# 4 0a0000", "length 4 does not match 3 bytes"],
    ["TYPE65280", "\\# 2 0a0", "even number of hex digits"],
    ["A", "\\# 3 0a0000", "A data must be 4 bytes"],
    ["MX", "\\# 3 000a00", "own presentation form"],
  ];
  it.each(bad)("rejects %s %j (%s)", (type, text, reason) => {
    const result = parseRdata(type, text, origin);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("ipv6ToText", () => {
  it("prints IPv4-compatible addresses like inet_ntop", () => {
    const bytes = new Uint8Array(16);
    bytes.set([192, 0, 2, 1], 12);
    expect(ipv6ToText(bytes)).toBe("::192.0.2.1");
  });
});
