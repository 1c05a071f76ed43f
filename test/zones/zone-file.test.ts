/** Zone file checks: each rule with a zone that breaks it and the exact `file:line: path: reason`. */
import { describe, expect, it } from "vitest";
import { formatProblem } from "../../src/errors.ts";
import { parseZoneText } from "../../src/zones/zone-file.ts";

const FILE = "zones/example.com.yaml";
const HEAD = `zone: example.com.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 300
    NS: [ns1, ns2]
  ns1: { A: 192.0.2.53 }
  ns2: { AAAA: "2001:db8::53" }
`; // lines 1-8

function problems(text: string, file = FILE): string[] {
  const parsed = parseZoneText(text, file);
  return parsed.ok ? [] : parsed.problems.map(formatProblem);
}

describe("a valid zone", () => {
  it("loads with every value form, types in any case and absolute owners", () => {
    const parsed = parseZoneText(
      HEAD +
        `  www:
    a: { ttl: 60, values: [192.0.2.1, 192.0.2.2] }
    AAAA: ["2001:db8::1"]
  mail.example.com.:
    TYPE1: 192.0.2.25
  "*.apps": { TXT: '"x"' }
  _sip._tcp: { SRV: 0 0 5060 www }
  dev: { NS: [ns.dev, ns.example.net.] }
  ns.dev: { A: 192.0.2.99 }
`,
      FILE,
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const www = parsed.zone.rrsets.find((r) => r.name === "www.example.com." && r.type === 1)!;
    expect([www.ttl, www.rdata.length]).toEqual([60, 2]);
    expect(parsed.zone.rrsets.find((r) => r.name === "mail.example.com.")!.ttl).toBe(3600);
    expect(Object.isFrozen(parsed.zone.rrsets)).toBe(true);
  });
});

// [what, text, expected problems]
const invalid: [string, string, string[]][] = [
  ["YAML syntax", `zone: example.com.\nrecords: [\n`, [`${FILE}:3: (root): YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`]],
  ["duplicate YAML keys", HEAD + `  www: { A: 192.0.2.1 }\n  www: { A: 192.0.2.2 }\n`, [`${FILE}:10: (root): YAML: Map keys must be unique`]],
  ["empty file", "", [`${FILE}:1: (root): the file is empty: expected zone, ttl and records`]],
  [
    "unknown top-level keys",
    HEAD + "regions: {}\nrules: {}\n",
    [
      `${FILE}:9: regions: unknown key "regions" (expected zone, ttl, records, checks, pools, policies)`,
      `${FILE}:10: rules: unknown key "rules" (expected zone, ttl, records, checks, pools, policies)`,
    ],
  ],
  [
    "unknown key in a value object",
    HEAD + "  www:\n    A: { ttl: 5, value: [192.0.2.1] }\n",
    [
      `${FILE}:10: records.www.A.values: values must be a list of strings`,
      `${FILE}:10: records.www.A.value: unknown key "value" (expected ttl, values — or policy)`,
    ],
  ],
  [
    "a value of the wrong shape",
    HEAD + "  www:\n    A: 5\n",
    [`${FILE}:10: records.www.A: expected a presentation string, a list of them, { ttl, values }, or { policy: NAME }`],
  ],
  ["an owner without records", HEAD + "  www:\n", [`${FILE}:9: records.www: expected a mapping of record type to value, like A: 192.0.2.1`]],
  ["TTL over 2^31-1", HEAD.replace("ttl: 3600", "ttl: 2147483648"), [`${FILE}:2: ttl: TTL must be at most 2147483647 (RFC 2181 §8)`]],
  ["negative record TTL", HEAD + "  www:\n    A: { ttl: -1, values: [192.0.2.1] }\n", [`${FILE}:10: records.www.A.ttl: TTL must be at least 0`]],
  ["fractional TTL", HEAD + "  www:\n    A: { ttl: 1.5, values: [192.0.2.1] }\n", [`${FILE}:10: records.www.A.ttl: TTL must be a whole number of seconds`]],
  [
    "bad RDATA, every one reported",
    HEAD + "  www:\n    A: [192.0.2.1, 192.0.2.300]\n    MX: 10\n",
    [
      `${FILE}:10: records.www.A[1]: "192.0.2.300" is not an IPv4 address`,
      `${FILE}:11: records.www.MX: expected a presentation string, a list of them, { ttl, values }, or { policy: NAME }`,
    ],
  ],
  ["unknown type", HEAD + "  www:\n    AA: 192.0.2.1\n", [`${FILE}:10: records.www.AA: unknown record type "AA"`]],
  ["DNAME refused", HEAD + "  www:\n    DNAME: x\n", [`${FILE}:10: records.www.DNAME: DNAME is not supported (no DNAME substitution)`]],
  ["DNSSEC types refused", HEAD + "  www:\n    DS: '\\# 0'\n", [`${FILE}:10: records.www.DS: DS is a DNSSEC type; gslb does not serve DNSSEC`]],
  ["meta types refused", HEAD + "  www:\n    ANY: '\\# 0'\n", [`${FILE}:10: records.www.ANY: ANY is a meta type and cannot be stored in a zone`]],
  ["same type twice", HEAD + "  www:\n    A: 192.0.2.1\n    a: 192.0.2.2\n", [`${FILE}:11: records.www.a: type a is already given as "A" at this owner`]],
  [
    "same owner twice",
    HEAD + "  www: { A: 192.0.2.1 }\n  www.example.com.: { A: 192.0.2.2 }\n",
    [`${FILE}:10: records["www.example.com."]: owner www.example.com. is already given as "www"`],
  ],
  ["owner outside the zone", HEAD + "  www.example.org.: { A: 192.0.2.1 }\n", [`${FILE}:9: records["www.example.org."]: owner www.example.org. is outside the zone example.com.`]],
  ["bad owner name", HEAD + "  a..b: { A: 192.0.2.1 }\n", [`${FILE}:9: records["a..b"]: name "a..b" has an empty label`]],
  ["wildcard not leftmost", HEAD + "  a.*: { A: 192.0.2.1 }\n", [`${FILE}:9: records["a.*"]: a wildcard * must be the leftmost label (RFC 4592)`]],
  ["partial wildcard label", HEAD + '  "*x": { A: 192.0.2.1 }\n', [`${FILE}:9: records.*x: "*" must be a whole label to be a wildcard (found "*x")`]],
  [
    "zone name vs file name",
    HEAD.replace("zone: example.com.", "zone: example.org."),
    [`${FILE}:1: zone: zone example.org. does not match the file name example.com.yaml (expected example.org.yaml)`],
  ],
  [
    "no SOA, no NS",
    "zone: example.com.\nrecords:\n  www: { A: 192.0.2.1 }\n",
    [`${FILE}:2: records: the zone has no SOA record at the apex ("@")`, `${FILE}:2: records: the zone has no NS records at the apex ("@")`],
  ],
  [
    "two SOA records",
    HEAD.replace("    SOA: ns1 hostmaster 1 7200 3600 1209600 300", "    SOA: [ns1 h 1 2 3 4 5, ns1 h 2 2 3 4 5]"),
    [`${FILE}:5: records.@.SOA: the apex must have exactly one SOA record`],
  ],
  ["SOA below the apex", HEAD + "  www: { SOA: ns1 h 1 2 3 4 5 }\n", [`${FILE}:9: records.www.SOA: SOA is only allowed at the zone apex example.com.`]],
  [
    "CNAME beside other data",
    HEAD + "  www:\n    CNAME: other\n    A: 192.0.2.1\n",
    [`${FILE}:10: records.www.CNAME: CNAME must be the only record at www.example.com., found also A (RFC 1034 §3.6.2, RFC 2181 §10.1)`],
  ],
  ["two CNAMEs", HEAD + "  www:\n    CNAME: [a, b]\n", [`${FILE}:10: records.www.CNAME: a name can have only one CNAME record`]],
  ["CNAME at the apex", HEAD.replace('  "@":\n', '  "@":\n    CNAME: other.example.net.\n'), [`${FILE}:5: records.@.CNAME: CNAME is not allowed at the zone apex (it would hide the SOA and NS)`]],
  [
    "data at a delegation point",
    HEAD + "  dev:\n    NS: ns.example.net.\n    A: 192.0.2.1\n",
    [`${FILE}:11: records.dev.A: A is not allowed at the delegation point dev.example.com.: only NS belongs to this zone there`],
  ],
  [
    "non-glue data below a delegation",
    HEAD + "  dev: { NS: ns.example.net. }\n  www.dev: { A: 192.0.2.1 }\n  txt.dev: { TXT: '\"x\"' }\n",
    [
      `${FILE}:10: records["www.dev"].A: A below the delegation dev.example.com. is not glue: no NS record names www.dev.example.com.`,
      `${FILE}:11: records["txt.dev"].TXT: TXT is not allowed below the delegation dev.example.com.: only glue (A, AAAA) may be there`,
    ],
  ],
  ["a wildcard delegation", HEAD + '  "*.dev": { NS: ns.example.net. }\n', [`${FILE}:9: records["*.dev"].NS: a wildcard name cannot be a delegation point`]],
  [
    "in-zone NS target without address",
    HEAD.replace("NS: [ns1, ns2]", "NS: [ns1, ns3, www]") + "  www: { CNAME: ns1 }\n",
    [
      `${FILE}:6: records.@.NS[1]: NS target ns3.example.com. is in the zone but has no A or AAAA record`,
      `${FILE}:6: records.@.NS[2]: NS target www.example.com. is a CNAME (RFC 2181 §10.3)`,
    ],
  ],
  ["glue missing for a delegation", HEAD + "  dev: { NS: ns.dev }\n", [`${FILE}:9: records.dev.NS: NS target ns.dev.example.com. is in the zone but has no A or AAAA record`]],
  [
    "duplicate records",
    HEAD + "  www:\n    A: { values: [192.0.2.1, 192.0.2.2, 192.0.2.1] }\n",
    [`${FILE}:10: records.www.A.values[2]: duplicate record: same data as value 0 (192.0.2.1)`],
  ],
];

describe("invalid zones: every problem with its file and line", () => {
  it.each(invalid)("%s", (_what, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it("collects problems of several rules in one pass", () => {
    const text = HEAD + "  www:\n    CNAME: [a, b]\n    A: 192.0.2.1\n  a.*: { A: 192.0.2.1 }\n  x: { A: [192.0.2.1, 192.0.2.1] }\n";
    expect(problems(text)).toHaveLength(4);
  });

  it("accepts the file name with a .yml extension", () => {
    expect(problems(HEAD, "zones/example.com.yml")).toEqual([]);
  });
});

// Regression: an owner named "__proto__" was dropped by the schema (check said ok, the name answered
// NXDOMAIN), and a list used as a key became the owner "[ a, b ]" with only a warning on stderr.
describe("keys that would not survive as written are problems, not silently changed", () => {
  it.each([
    ["an owner named __proto__", `  __proto__: { A: 192.0.2.1 }\n`, [`${FILE}:9: records: YAML: "__proto__" cannot be used as a key`]],
    ["a record type named __proto__", `  www:\n    __proto__: 192.0.2.1\n`, [`${FILE}:10: records.www: YAML: "__proto__" cannot be used as a key`]],
    ["a list as an owner", `  ? [a, b]\n  : { A: 192.0.2.1 }\n`, [`${FILE}:9: records: YAML: a key must be a plain value`]],
    ["a mapping as a record type", `  www:\n    ? { A: 1 }\n    : 192.0.2.1\n`, [`${FILE}:10: records.www: YAML: a key must be a plain value`]],
    ["an owner that merely contains proto", `  __proto__x: { A: 192.0.2.1 }\n`, []],
  ])("%s", (_what, records, expected) => {
    expect(problems(HEAD + records)).toEqual(expected);
  });
});
