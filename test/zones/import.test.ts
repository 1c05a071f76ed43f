import { describe, expect, it } from "vitest";
import { rdataToText } from "../../src/dns/presentation.ts";
import type { RRset } from "../../src/dns/types.ts";
import { formatMasterProblem, importMasterText } from "../../src/zones/import.ts";
import { parseZoneText } from "../../src/zones/zone-file.ts";

const MASTER = `; A rich master file
$ORIGIN example.com.
$TTL 1h
@\tIN\tSOA\tns1 hostmaster (
\t\t2026010101 ; serial
\t\t2h         ; refresh
\t\t1h         ; retry
\t\t2w         ; expire
\t\t300 )      ; minimum
\tIN\tNS\tns1
\tNS\tns2.example.com.
\tMX\t10 mail
\tTXT\t"v=spf1 mx -all" "second; string (not a comment)" "quote \\" and \\\\ backslash" unquoted
\tCAA\t0 issue "letsencrypt.org"
ns1\tA\t192.0.2.53
ns1\t3600 IN AAAA 2001:DB8::53
ns2\tIN 300 A 198.51.100.53
mail\tA\t192.0.2.25
\tA\t192.0.2.25 ; an exact duplicate is one record
www\t300\tA\t192.0.2.10
\t300\tA\t192.0.2.11
WWW.example.com. 300 IN AAAA 2001:db8::10
*.apps\tA\t203.0.113.80
_sip._tcp\tSRV\t10 60 5060 sip
sip\tA\t192.0.2.60
shop CNAME www
ptr PTR www.example.net.
long\tTXT\t"${"x".repeat(300)}"
odd\tTYPE65280\t\\# 4 0A000001
hinfo HINFO \\# 4 01610162
esc\\.aped\tA\t192.0.2.99
$INCLUDE sub.inc dev
after\tA\t192.0.2.100
$ORIGIN other.example.com.
rel 120 TXT ( "multi"
   "line" )
`;
const INCLUDES: Record<string, string> = {
  "/zones/sub.inc": "@ NS ns1\nns1 A 192.0.2.200\n$ORIGIN elsewhere.example.com.\n",
};
const readInclude = (path: string): string => {
  const text = INCLUDES[path];
  if (text === undefined) throw Object.assign(new Error("missing"), { code: "ENOENT" });
  return text;
};

const canonical = (rrsets: readonly RRset[]): string[] =>
  rrsets.flatMap((r) => r.rdata.map((d) => `${r.name} ${r.ttl} ${r.type} ${rdataToText(d)}`)).sort();

describe("importMasterText", () => {
  const result = importMasterText(MASTER, "/zones/example.com.zone", { origin: "example.com", readInclude });

  it("turns a rich master file into YAML that loads into the same RRsets", () => {
    if (!result.ok) throw new Error(result.problems.map(formatMasterProblem).join("\n"));
    const loaded = parseZoneText(result.yaml, "example.com.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    expect(canonical(loaded.zone.rrsets)).toEqual(canonical(result.rrsets));
  });

  it("reads every construct as a name server would", () => {
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const lines = canonical(result.rrsets);
    const expected = [
      "example.com. 3600 6 ns1.example.com. hostmaster.example.com. 2026010101 7200 3600 1209600 300",
      "example.com. 3600 2 ns2.example.com.",
      'example.com. 3600 16 "v=spf1 mx -all" "second; string (not a comment)" "quote \\" and \\\\ backslash" "unquoted"',
      "ns1.example.com. 3600 28 2001:db8::53",
      "ns2.example.com. 300 1 198.51.100.53",
      "www.example.com. 300 28 2001:db8::10",
      "*.apps.example.com. 3600 1 203.0.113.80",
      `long.example.com. 3600 16 "${"x".repeat(255)}" "${"x".repeat(45)}"`,
      "odd.example.com. 3600 65280 \\# 4 0A000001",
      "hinfo.example.com. 3600 13 \\# 4 01610162",
      "esc\\.aped.example.com. 3600 1 192.0.2.99",
      "dev.example.com. 3600 2 ns1.dev.example.com.",
      "ns1.dev.example.com. 3600 1 192.0.2.200",
      "after.example.com. 3600 1 192.0.2.100",
      'rel.other.example.com. 120 16 "multi" "line"',
    ];
    for (const line of expected) expect(lines).toContain(line);
    expect(lines.filter((l) => l.startsWith("mail.example.com."))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("www.example.com. 300 1 "))).toHaveLength(2);
  });

  it("writes the common TTL as the default and others per RRset", () => {
    if (!result.ok) return;
    expect(result.yaml).toContain("\nttl: 3600\n");
    expect(result.yaml).toContain("A: { ttl: 300, values: [ 192.0.2.10, 192.0.2.11 ] }");
  });
});

const problemsOf = (text: string, files: Record<string, string> = {}): string[] => {
  const result = importMasterText(text, "/zones/example.com.zone", {
    origin: "example.com.",
    readInclude: (path) => {
      const t = files[path];
      if (t === undefined) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      return t;
    },
  });
  return result.ok ? [] : result.problems.map(formatMasterProblem);
};

const HEAD = "$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"; // lines 1-4
const F = "/zones/example.com.zone";

describe("import errors as file:line: reason", () => {
  const cases: [string, string, Record<string, string>, string[]][] = [
    ["unknown directive", HEAD + "$GENERATE 1-2 a$ A 1.2.3.$\n", {}, [`${F}:5: unknown directive $GENERATE`]],
    ["class other than IN", HEAD + "x CH TXT \"a\"\n", {}, [`${F}:5: class CH is not supported (only IN)`]],
    ["unknown type", HEAD + "x 300 IN FOO bar\n", {}, [`${F}:5: unknown record type "FOO"`]],
    ["bad rdata", HEAD + "x A 192.0.2\n", {}, [`${F}:5: A: "192.0.2" is not an IPv4 address`]],
    ["owner outside the zone", HEAD + "www.example.org. A 192.0.2.1\n", {}, [`${F}:5: www.example.org. is outside the zone example.com.`]],
    ["no TTL at all", "@ NS ns1\n", {}, [`${F}:1: no TTL: give one or set $TTL first`]],
    ["blank owner first", " A 192.0.2.1\n", {}, [`${F}:1: no owner name, and no previous record to take it from`]],
    ["unbalanced parentheses", HEAD + "x TXT ( \"a\"\n", {}, [`${F}:5: unbalanced "(": missing ")"`]],
    ["unterminated string", HEAD + 'x TXT "abc\n', {}, [`${F}:5: unterminated quoted string`]],
    [
      "TTLs differing inside an RRset",
      HEAD + "x 60 A 192.0.2.1\nx 120 A 192.0.2.2\n",
      {},
      [`${F}:6: TTL 120 differs from TTL 60 of the same RRset at ${F}:5 (RFC 2181 §5.2)`],
    ],
    [
      "$INCLUDE loop",
      HEAD + "$INCLUDE a.inc\n",
      { "/zones/a.inc": "$INCLUDE b.inc\n", "/zones/b.inc": "$INCLUDE a.inc\n" },
      [`/zones/b.inc:1: $INCLUDE loop: ${F} → /zones/a.inc → /zones/b.inc → /zones/a.inc`],
    ],
    ["$INCLUDE missing file", HEAD + "$INCLUDE nope.inc\n", {}, [`${F}:5: $INCLUDE nope.inc: cannot read (ENOENT)`]],
    ["problem inside an included file", HEAD + "$INCLUDE a.inc\n", { "/zones/a.inc": "\n\nx A nope\n" }, [`/zones/a.inc:3: A: "nope" is not an IPv4 address`]],
    [
      "rules across records, located in the master file",
      HEAD + "www A 192.0.2.1\nwww CNAME other\n",
      {},
      [`${F}:6: CNAME must be the only record at www.example.com., found also A (RFC 1034 §3.6.2, RFC 2181 §10.1)`],
    ],
    ["DNSSEC records", HEAD + "@ RRSIG \\# 0\n", {}, [`${F}:5: RRSIG is a DNSSEC type; gslb does not serve DNSSEC`]],
    [
      "every problem, not only the first",
      HEAD + "a A nope\nb MX x\nc FOO 1\n",
      {},
      [`${F}:5: A: "nope" is not an IPv4 address`, `${F}:6: MX: expected 2 fields (preference exchange), got 1`, `${F}:7: unknown record type "FOO"`],
    ],
  ];
  it.each(cases)("%s", (_what, text, files, expected) => {
    expect(problemsOf(text, files)).toEqual(expected);
  });

  it("accepts the same head alone (the negative cases fail for their own reason)", () => {
    expect(problemsOf(HEAD)).toEqual([]);
  });
});

describe("import problem location", () => {
  it("tells AAAA from A when mapping a loader problem back to its line", () => {
    const text = HEAD + "www A 192.0.2.1\nwww AAAA 2001:db8::1\nwww AAAA 2001:db8::2\n@ NS www\nwww CNAME x\n";
    expect(problemsOf(text).map((p) => p.split(": ")[0])).toContain(`${F}:9`);
  });
});
