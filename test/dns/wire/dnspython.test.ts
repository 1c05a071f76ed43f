/**
 * Cross-check against a strict external decoder: Debian's python3-dnspython parses what our writer wrote
 * (compression, every rdata kind, OPT with ECS/NSID, BADVERS, TC) and reports what it saw.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RRClass, RRType, Rcode } from "../../../src/dns/types.ts";
import type { Query, RRset, Rdata } from "../../../src/dns/types.ts";
import { NameCompressor } from "../../../src/dns/wire/name.ts";
import { encodeRdata } from "../../../src/dns/wire/rdata.ts";
import { decodeQuery } from "../../../src/dns/wire/reader.ts";
import { AddResult, ResponseWriter, Section } from "../../../src/dns/wire/writer.ts";
import { EXAMPLES } from "./examples.ts";
import { buildQuery, ecsOption } from "./packets.ts";
import type { QuerySpec } from "./packets.ts";

/** Debian's interpreter, where python3-dnspython lives (a pyenv python3 on PATH may lack it). */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const SCRIPT = String.raw`
import json, sys
import dns.message, dns.rcode
out = []
for h in json.load(sys.stdin):
    try:
        m = dns.message.from_wire(bytes.fromhex(h))
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
        continue
    def rrs(section):
        return [{"name": r.name.to_text(), "type": r.rdtype, "class": r.rdclass, "ttl": r.ttl,
                 "rdata": [rd.to_digestable().hex() for rd in r]} for r in section]
    out.append({
        "id": m.id, "flags": m.flags, "rcode": m.rcode(),
        "question": [[q.name.to_text(), q.rdtype, q.rdclass] for q in m.question],
        "answer": rrs(m.answer), "authority": rrs(m.authority), "additional": rrs(m.additional),
        "edns": m.edns, "payload": m.payload if m.edns >= 0 else None, "ednsflags": m.ednsflags,
        "options": [[o.otype, o.to_wire().hex()] for o in m.options],
    })
print(json.dumps(out))
`;

interface PyRRset {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: string[];
}
interface PyMessage {
  error?: string;
  id: number;
  flags: number;
  rcode: number;
  question: [string, number, number][];
  answer: PyRRset[];
  authority: PyRRset[];
  additional: PyRRset[];
  edns: number;
  payload: number | null;
  ednsflags: number;
  options: [number, string][];
}

function parseWithDnspython(messages: readonly Uint8Array[]): PyMessage[] {
  const result = spawnSync(PYTHON, ["-c", SCRIPT], {
    input: JSON.stringify(messages.map((m) => Buffer.from(m).toString("hex"))),
    encoding: "utf8",
    timeout: 15_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `dnspython failed (install Debian python3-dnspython): ${result.stderr || String(result.error)}`,
    );
  }
  return JSON.parse(result.stdout) as PyMessage[];
}

function query(spec: QuerySpec): Query {
  const q = decodeQuery(buildQuery(spec));
  if (q.kind !== "query") throw new Error("bad test query");
  return q;
}

/** RDATA in RFC 4034 6.2 canonical form (dnspython to_digestable): names uncompressed; ours are lower case. */
function uncompressedHex(rdata: Rdata): string {
  const buf = new Uint8Array(1024);
  const names = new NameCompressor();
  names.compression = false;
  return Buffer.from(buf.subarray(0, encodeRdata(buf, 0, buf.length, rdata, names))).toString("hex");
}

function pyRRset(owner: string, rrset: RRset): PyRRset {
  return {
    name: owner,
    type: rrset.type,
    class: rrset.class,
    ttl: rrset.ttl,
    rdata: rrset.rdata.map(uncompressedHex),
  };
}

const ns: RRset = {
  name: "example.com.",
  type: RRType.NS,
  class: 1,
  ttl: 86400,
  rdata: [
    { kind: "NS", target: "ns1.example.com." },
    { kind: "NS", target: "ns2.example.net." },
  ],
};
const glue: RRset = {
  name: "ns1.example.com.",
  type: RRType.A,
  class: 1,
  ttl: 86400,
  rdata: [EXAMPLES[0]!.rdata],
};

describe("dnspython parses what the writer writes", () => {
  it("every rdata kind, 0x20 owners, authority and additional sections, OPT with ECS and NSID", () => {
    const messages: Uint8Array[] = [];
    const expected: Partial<PyMessage>[] = [];
    const w = new ResponseWriter({ nsid: Buffer.from("gslb-test") });
    for (const [i, { type, rdata }] of EXAMPLES.entries()) {
      const qname = i % 2 === 0 ? "MiXeD.Example.COM." : "mixed.example.com.";
      w.begin(
        query({
          id: i,
          qname,
          qtype: type,
          opts: [{ payload: 4096, dnssecOk: true, options: [[3, []], ecsOption(1, 24, 0, [198, 51, 100])] }],
        }),
        false,
      );
      w.setAuthoritative(true);
      w.setEcsScope(16);
      const answer: RRset = { name: "mixed.example.com.", type, class: RRClass.IN, ttl: 300, rdata: [rdata] };
      expect(w.addRRset(Section.ANSWER, answer)).toBe(AddResult.OK);
      expect(w.addRRset(Section.AUTHORITY, ns)).toBe(AddResult.OK);
      expect(w.addRRset(Section.ADDITIONAL, glue)).toBe(AddResult.OK);
      messages.push(Uint8Array.from(w.finish()));
      expected.push({
        id: i,
        flags: 0x8500,
        rcode: 0,
        question: [[qname, type, 1]],
        answer: [pyRRset(qname, answer)],
        authority: [pyRRset("example.com.", ns)],
        additional: [pyRRset("ns1.example.com.", glue)],
        edns: 0,
        payload: 1232,
        ednsflags: 0x8000,
        options: [
          [3, Buffer.from("gslb-test").toString("hex")],
          [8, "0001" + "18" + "10" + "c63364"],
        ],
      });
    }
    // Names below the question compress to its suffix and so carry its case: compare those lower-cased;
    // the answer owner must keep the question's case exactly (0x20).
    const lowerNames = (sets: PyRRset[]): PyRRset[] =>
      sets.map((r) => ({ ...r, name: r.name.toLowerCase() }));
    const parsed = parseWithDnspython(messages).map((p) => ({
      ...p,
      authority: lowerNames(p.authority),
      additional: lowerNames(p.additional),
    }));
    expect(parsed).toEqual(expected);
  });

  it("a truncated reply, a BADVERS reply, a FORMERR reply and a plain NXDOMAIN without EDNS", () => {
    const w = new ResponseWriter();
    const messages: Uint8Array[] = [];

    w.begin(query({ id: 1, opts: [{ payload: 512 }] }), false);
    const many: RRset = {
      name: "www.example.com.",
      type: RRType.TXT,
      class: 1,
      ttl: 5,
      rdata: Array.from({ length: 5 }, () => EXAMPLES[7]!.rdata),
    };
    expect(w.addRRset(Section.ANSWER, many)).toBe(AddResult.TRUNCATED);
    messages.push(Uint8Array.from(w.finish()));

    const badvers = decodeQuery(buildQuery({ id: 2, opts: [{ version: 1 }] }));
    if (badvers.kind !== "error") throw new Error("expected BADVERS");
    messages.push(Uint8Array.from(w.writeError(badvers, false)));

    const formerr = decodeQuery(buildQuery({ id: 3, opts: [{}, {}] }));
    if (formerr.kind !== "error") throw new Error("expected FORMERR");
    messages.push(Uint8Array.from(w.writeError(formerr, false)));

    w.begin(query({ id: 4, qname: "nope.example.com." }), false);
    w.setAuthoritative(true);
    w.setRcode(Rcode.NXDOMAIN);
    const soa = EXAMPLES.find((e) => e.rdata.kind === "SOA")!.rdata;
    w.addRRset(Section.AUTHORITY, {
      name: "example.com.",
      type: RRType.SOA,
      class: 1,
      ttl: 300,
      rdata: [soa],
    });
    messages.push(Uint8Array.from(w.finish()));

    const parsed = parseWithDnspython(messages);
    expect(parsed.map((p) => p.error ?? null)).toEqual([null, null, null, null]);
    expect(
      parsed.map((p) => [p.id, p.flags & 0x8600, p.rcode, p.edns, p.answer.length, p.authority.length]),
    ).toEqual([
      [1, 0x8200, 0, 0, 0, 0],
      [2, 0x8000, Rcode.BADVERS, 0, 0, 0],
      [3, 0x8000, Rcode.FORMERR, 0, 0, 0],
      [4, 0x8400, Rcode.NXDOMAIN, -1, 0, 1],
    ]);
    expect(parsed[3]!.authority[0]!.rdata).toEqual([uncompressedHex(soa)]);
  });
});
