/**
 * Lookup tables (STYLE §12): a zone as text, a query, the outcome. The expected sections are what Knot DNS
 * 3.2.6 answered for the same zone (kdig +norec against knotd on 127.0.0.1); where Knot sorts RDATA
 * canonically, the zone below lists it in that order (gslb serves RDATA in file order).
 */
import { describe, expect, it } from "vitest";
import { typeFromText } from "../../src/dns/presentation.ts";
import { lookup, MAX_CNAMES } from "../../src/zones/lookup.ts";
import { render, zoneSetFrom } from "./helpers.ts";

const SOA = "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 2026010101 7200 3600 1209600 300";
const REFERRAL_SUB = [
  "authority: sub.example.com. 3600 NS ns.example.net.",
  "authority: sub.example.com. 3600 NS ns1.sub.example.com.",
  "authority: sub.example.com. 3600 NS ns1.example.com.",
  "additional: ns1.sub.example.com. 3600 A 192.0.2.200",
  "additional: ns1.sub.example.com. 3600 AAAA 2001:db8::200",
  "additional: ns1.example.com. 3600 A 192.0.2.53",
  "additional: ns1.example.com. 3600 AAAA 2001:db8::53",
];

const chain = Array.from({ length: 20 }, (_, i) => `  c${i + 1}: { CNAME: ${i === 19 ? "www" : `c${i + 2}`} }`);

const zone = `
zone: example.com.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 2026010101 7200 3600 1209600 300
    NS: [ns1, ns2]
    MX: ["10 mail", "20 mail.example.net."]
    A: 192.0.2.1
    TXT: '"apex"'
  ns1: { A: 192.0.2.53, AAAA: "2001:db8::53" }
  ns2: { A: 192.0.2.54 }
  mail: { A: 192.0.2.25 }
  www:
    A: { ttl: 300, values: [192.0.2.10] }
    AAAA: "2001:db8::10"
    TXT: '"hello"'
  shop: { CNAME: store }
  store: { CNAME: www }
  ext: { CNAME: target.example.net. }
  dangling: { CNAME: nothere }
  toempty: { CNAME: a.b.ent }
  loop1: { CNAME: loop2 }
  loop2: { CNAME: loop1 }
  self: { CNAME: self }
  tosub: { CNAME: host.sub }
  tocut: { CNAME: sub }
  towild: { CNAME: foo.apps }
  tomx: { CNAME: "@" }
  x.y.ent: { A: 192.0.2.99 }
  "*.apps": { A: 203.0.113.80, MX: "10 mail" }
  api.apps: { A: 203.0.113.81 }
  "*.wc": { CNAME: www }
  _sip._tcp: { SRV: ["10 60 5060 sip", "20 0 5060 ext"] }
  sip: { A: 192.0.2.60 }
  sub: { NS: [ns.example.net., ns1.sub, ns1] }
  ns1.sub: { A: 192.0.2.200, AAAA: "2001:db8::200" }
  mxwild: { MX: 10 foo.apps }
  o1: { TXT: '"t"', AAAA: "2001:db8::1", MX: 10 mail }
  o3: { CAA: '0 issue "x"', SRV: 0 0 1 o1 }
${chain.join("\n")}
`;

const set = zoneSetFrom({ "example.com.yaml": zone });

// [name, type, expected lines]
const cases: [string, string, string[]][] = [
  // Plain answers: no NS in authority (Knot answers minimally).
  ["www.example.com.", "A", ["NOERROR aa", "answer: www.example.com. 300 A 192.0.2.10"]],
  ["example.com.", "SOA", ["NOERROR aa", `answer: ${SOA.replace(" 300 ", " 3600 ")}`]],
  // Additional addresses for NS and MX targets inside the zone.
  [
    "example.com.",
    "NS",
    [
      "NOERROR aa",
      "answer: example.com. 3600 NS ns1.example.com.",
      "answer: example.com. 3600 NS ns2.example.com.",
      "additional: ns1.example.com. 3600 A 192.0.2.53",
      "additional: ns1.example.com. 3600 AAAA 2001:db8::53",
      "additional: ns2.example.com. 3600 A 192.0.2.54",
    ],
  ],
  [
    "example.com.",
    "MX",
    [
      "NOERROR aa",
      "answer: example.com. 3600 MX 10 mail.example.com.",
      "answer: example.com. 3600 MX 20 mail.example.net.",
      "additional: mail.example.com. 3600 A 192.0.2.25",
    ],
  ],
  [
    "_sip._tcp.example.com.",
    "SRV",
    [
      "NOERROR aa",
      "answer: _sip._tcp.example.com. 3600 SRV 10 60 5060 sip.example.com.",
      "answer: _sip._tcp.example.com. 3600 SRV 20 0 5060 ext.example.com.",
      "additional: sip.example.com. 3600 A 192.0.2.60",
    ],
  ],
  // Negative answers: SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308 §5).
  ["nope.example.com.", "A", ["NXDOMAIN aa", `authority: ${SOA}`]],
  ["www.example.com.", "MX", ["NOERROR aa", `authority: ${SOA}`]],
  ["www.example.com.", "SOA", ["NOERROR aa", `authority: ${SOA}`]],
  // Empty non-terminals exist: NODATA, not NXDOMAIN.
  ["ent.example.com.", "A", ["NOERROR aa", `authority: ${SOA}`]],
  ["y.ent.example.com.", "A", ["NOERROR aa", `authority: ${SOA}`]],
  // CNAME chains inside the zone.
  [
    "shop.example.com.",
    "A",
    [
      "NOERROR aa",
      "answer: shop.example.com. 3600 CNAME store.example.com.",
      "answer: store.example.com. 3600 CNAME www.example.com.",
      "answer: www.example.com. 300 A 192.0.2.10",
    ],
  ],
  [
    "shop.example.com.",
    "MX",
    [
      "NOERROR aa",
      "answer: shop.example.com. 3600 CNAME store.example.com.",
      "answer: store.example.com. 3600 CNAME www.example.com.",
      `authority: ${SOA}`,
    ],
  ],
  ["shop.example.com.", "CNAME", ["NOERROR aa", "answer: shop.example.com. 3600 CNAME store.example.com."]],
  ["ext.example.com.", "A", ["NOERROR aa", "answer: ext.example.com. 3600 CNAME target.example.net."]],
  [
    "dangling.example.com.",
    "A",
    ["NXDOMAIN aa", "answer: dangling.example.com. 3600 CNAME nothere.example.com.", `authority: ${SOA}`],
  ],
  [
    "toempty.example.com.",
    "A",
    ["NXDOMAIN aa", "answer: toempty.example.com. 3600 CNAME a.b.ent.example.com.", `authority: ${SOA}`],
  ],
  [
    "loop1.example.com.",
    "A",
    [
      "NOERROR aa",
      "answer: loop1.example.com. 3600 CNAME loop2.example.com.",
      "answer: loop2.example.com. 3600 CNAME loop1.example.com.",
    ],
  ],
  ["self.example.com.", "A", ["NOERROR aa", "answer: self.example.com. 3600 CNAME self.example.com."]],
  [
    "tomx.example.com.",
    "MX",
    [
      "NOERROR aa",
      "answer: tomx.example.com. 3600 CNAME example.com.",
      "answer: example.com. 3600 MX 10 mail.example.com.",
      "answer: example.com. 3600 MX 20 mail.example.net.",
      "additional: mail.example.com. 3600 A 192.0.2.25",
    ],
  ],
  // A chain into a delegation: the CNAME (AA), then the referral.
  ["tosub.example.com.", "A", ["NOERROR aa", "answer: tosub.example.com. 3600 CNAME host.sub.example.com.", ...REFERRAL_SUB]],
  ["tocut.example.com.", "A", ["NOERROR aa", "answer: tocut.example.com. 3600 CNAME sub.example.com.", ...REFERRAL_SUB]],
  [
    "towild.example.com.",
    "A",
    [
      "NOERROR aa",
      "answer: towild.example.com. 3600 CNAME foo.apps.example.com.",
      "answer: foo.apps.example.com. 3600 A 203.0.113.80",
    ],
  ],
  // Wildcards (RFC 4592): owner = query name, also several labels down; not below an existing name.
  ["foo.apps.example.com.", "A", ["NOERROR aa", "answer: foo.apps.example.com. 3600 A 203.0.113.80"]],
  ["a.b.apps.example.com.", "A", ["NOERROR aa", "answer: a.b.apps.example.com. 3600 A 203.0.113.80"]],
  [
    "foo.apps.example.com.",
    "MX",
    [
      "NOERROR aa",
      "answer: foo.apps.example.com. 3600 MX 10 mail.example.com.",
      "additional: mail.example.com. 3600 A 192.0.2.25",
    ],
  ],
  ["foo.apps.example.com.", "AAAA", ["NOERROR aa", `authority: ${SOA}`]],
  ["x.api.apps.example.com.", "A", ["NXDOMAIN aa", `authority: ${SOA}`]],
  ["api.apps.example.com.", "MX", ["NOERROR aa", `authority: ${SOA}`]],
  ["apps.example.com.", "A", ["NOERROR aa", `authority: ${SOA}`]],
  ["*.apps.example.com.", "A", ["NOERROR aa", "answer: *.apps.example.com. 3600 A 203.0.113.80"]],
  ["a.*.apps.example.com.", "A", ["NXDOMAIN aa", `authority: ${SOA}`]],
  [
    "q.wc.example.com.",
    "TXT",
    ["NOERROR aa", "answer: q.wc.example.com. 3600 CNAME www.example.com.", 'answer: www.example.com. 3600 TXT "hello"'],
  ],
  [
    "mxwild.example.com.",
    "MX",
    [
      "NOERROR aa",
      "answer: mxwild.example.com. 3600 MX 10 foo.apps.example.com.",
      "additional: foo.apps.example.com. 3600 A 203.0.113.80",
    ],
  ],
  // Delegations: referral (no AA), NS of the cut in authority, glue and in-zone addresses in additional.
  ["sub.example.com.", "A", ["NOERROR", ...REFERRAL_SUB]],
  ["sub.example.com.", "NS", ["NOERROR", ...REFERRAL_SUB]],
  ["sub.example.com.", "ANY", ["NOERROR", ...REFERRAL_SUB]],
  ["host.sub.example.com.", "A", ["NOERROR", ...REFERRAL_SUB]],
  ["ns1.sub.example.com.", "A", ["NOERROR", ...REFERRAL_SUB]],
  ["host.sub.example.com.", "DS", ["NOERROR", ...REFERRAL_SUB]],
  // DS at the cut belongs to the parent: NODATA (we hold no DS). DNSSEC types are plain NODATA.
  ["sub.example.com.", "DS", ["NOERROR aa", `authority: ${SOA}`]],
  ["www.example.com.", "DS", ["NOERROR aa", `authority: ${SOA}`]],
  ["www.example.com.", "RRSIG", ["NOERROR aa", `authority: ${SOA}`]],
  ["nope.example.com.", "DS", ["NXDOMAIN aa", `authority: ${SOA}`]],
  // ANY (RFC 8482): one RRset, the lowest type number, with its additional data; CNAME not followed.
  ["www.example.com.", "ANY", ["NOERROR aa", "answer: www.example.com. 300 A 192.0.2.10"]],
  ["example.com.", "ANY", ["NOERROR aa", "answer: example.com. 3600 A 192.0.2.1"]],
  ["foo.apps.example.com.", "ANY", ["NOERROR aa", "answer: foo.apps.example.com. 3600 A 203.0.113.80"]],
  ["shop.example.com.", "ANY", ["NOERROR aa", "answer: shop.example.com. 3600 CNAME store.example.com."]],
  ["nope.example.com.", "ANY", ["NXDOMAIN aa", `authority: ${SOA}`]],
  ["ent.example.com.", "ANY", ["NOERROR aa", `authority: ${SOA}`]],
  [
    "o1.example.com.",
    "ANY",
    ["NOERROR aa", "answer: o1.example.com. 3600 MX 10 mail.example.com.", "additional: mail.example.com. 3600 A 192.0.2.25"],
  ],
  [
    "o3.example.com.",
    "ANY",
    ["NOERROR aa", "answer: o3.example.com. 3600 SRV 0 0 1 o1.example.com.", "additional: o1.example.com. 3600 AAAA 2001:db8::1"],
  ],
  // Outside our zones: REFUSED.
  ["example.org.", "A", ["REFUSED"]],
  ["com.", "NS", ["REFUSED"]],
];

describe("lookup (answers as Knot 3.2 gives them)", () => {
  it.each(cases)("%s %s", (name, type, expected) => {
    expect(render(lookup(set, name, typeFromText(type)!))).toEqual(expected);
  });
});

describe("CNAME chain bound", () => {
  it(`stops after ${MAX_CNAMES} CNAMEs when the next name is a CNAME too`, () => {
    const outcome = lookup(set, "c15.example.com.", typeFromText("A")!);
    expect(outcome.kind).toBe("answer");
    expect(outcome.answer.map((r) => r.name)).toEqual(["c15", "c16", "c17", "c18", "c19"].map((c) => `${c}.example.com.`));
    expect(outcome.authority).toEqual([]);
  });
  it(`still adds the data after ${MAX_CNAMES} CNAMEs`, () => {
    const outcome = lookup(set, "c16.example.com.", typeFromText("A")!);
    expect(render(outcome).slice(-1)).toEqual(["answer: www.example.com. 300 A 192.0.2.10"]);
    expect(outcome.answer).toHaveLength(6);
  });
});

describe("hot path", () => {
  it("returns the same precomputed, frozen object for an existing name and type", () => {
    const first = lookup(set, "www.example.com.", 1);
    expect(lookup(set, "www.example.com.", 1)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.answer)).toBe(true);
  });
  it("shares one NODATA object for absent types at a name", () => {
    expect(lookup(set, "www.example.com.", 15)).toBe(lookup(set, "www.example.com.", 99));
  });
  it("synthesizes wildcard answers per query (owner = query name)", () => {
    const a = lookup(set, "one.apps.example.com.", 1);
    expect(a.wildcard).toBe(true);
    expect(a.answer[0]!.name).toBe("one.apps.example.com.");
  });
});

describe("several zones: the most specific zone wins (Knot 3.2 serving parent and child)", () => {
  const child = `
zone: sub.example.com.
ttl: 600
records:
  "@": { SOA: ns1 h 1 2 3 4 60, NS: ns1 }
  ns1: { A: 192.0.2.201 }
  host: { A: 192.0.2.202 }
`;
  const both = zoneSetFrom({ "example.com.yaml": zone, "sub.example.com.yaml": child });
  const CHILD_SOA = "sub.example.com. 60 SOA ns1.sub.example.com. h.sub.example.com. 1 2 3 4 60";
  const multi: [string, string, string[]][] = [
    ["host.sub.example.com.", "A", ["NOERROR aa", "answer: host.sub.example.com. 600 A 192.0.2.202"]],
    // The parent's glue for ns1.sub is hidden by the child's own data.
    ["ns1.sub.example.com.", "A", ["NOERROR aa", "answer: ns1.sub.example.com. 600 A 192.0.2.201"]],
    [
      "sub.example.com.",
      "NS",
      ["NOERROR aa", "answer: sub.example.com. 600 NS ns1.sub.example.com.", "additional: ns1.sub.example.com. 600 A 192.0.2.201"],
    ],
    ["nope.sub.example.com.", "A", ["NXDOMAIN aa", `authority: ${CHILD_SOA}`]],
    // DS is answered by the parent side of the cut.
    ["sub.example.com.", "DS", ["NOERROR aa", `authority: ${SOA}`]],
    // A CNAME chain stays in its zone: the parent refers even though the child is ours too.
    ["tosub.example.com.", "A", ["NOERROR aa", "answer: tosub.example.com. 3600 CNAME host.sub.example.com.", ...REFERRAL_SUB]],
    ["www.example.com.", "A", ["NOERROR aa", "answer: www.example.com. 300 A 192.0.2.10"]],
  ];
  it.each(multi)("%s %s", (name, type, expected) => {
    expect(render(lookup(both, name, typeFromText(type)!))).toEqual(expected);
  });

  it("answers DS at a child apex from the child when the parent is not ours", () => {
    const childOnly = zoneSetFrom({ "sub.example.com.yaml": child });
    expect(render(lookup(childOnly, "sub.example.com.", 43))).toEqual(["NOERROR aa", `authority: ${CHILD_SOA}`]);
  });
});
