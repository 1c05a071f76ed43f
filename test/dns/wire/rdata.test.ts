import { describe, expect, it } from "vitest";
import { RRClass, RRType } from "../../../src/dns/types.ts";
import type { Query, RRset, Rdata } from "../../../src/dns/types.ts";
import { decodeMessage } from "../../../src/dns/wire/message.ts";
import { NameCompressor, nameToWire } from "../../../src/dns/wire/name.ts";
import { RdataError, decodeRdata, encodeRdata } from "../../../src/dns/wire/rdata.ts";
import { decodeQuery } from "../../../src/dns/wire/reader.ts";
import { AddResult, ResponseWriter, Section } from "../../../src/dns/wire/writer.ts";
import { EXAMPLES, bytes } from "./examples.ts";
import { buildQuery } from "./packets.ts";

function query(qname: string): Query {
  const q = decodeQuery(buildQuery({ qname }));
  if (q.kind !== "query") throw new Error("bad test query");
  return q;
}

describe("rdata: every kind round trips through the writer and decodeMessage", () => {
  it.each(EXAMPLES)("$rdata.kind (type $type)", ({ type, rdata }) => {
    const rrset: RRset = {
      name: "x.example.com.",
      type,
      class: RRClass.IN,
      ttl: 3600,
      rdata: [rdata, rdata],
    };
    const w = new ResponseWriter();
    w.begin(query("x.example.com."), true);
    expect(w.addRRset(Section.ANSWER, rrset)).toBe(AddResult.OK);
    const m = decodeMessage(w.finish());
    if (m.kind !== "message") throw new Error(m.reason);
    expect(m.answer.map((r) => r.rdata)).toEqual([rdata, rdata]);
    expect(m.answer.every((r) => r.type === type && r.ttl === 3600)).toBe(true);
  });
});

describe("rdata: compression inside RDATA", () => {
  function encode(rdata: Rdata): number[] {
    const msg = new Uint8Array(512);
    const names = new NameCompressor();
    const owner = nameToWire("example.com.")!;
    msg.set(owner, 12);
    names.registerQuestion(msg, 12, "example.com.");
    const start = 12 + owner.length;
    return [...msg.subarray(start, encodeRdata(msg, start, 512, rdata, names))];
  }
  it.each([
    {
      name: "NS target compressed",
      rdata: { kind: "NS", target: "ns1.example.com." } as Rdata,
      wire: [3, 0x6e, 0x73, 0x31, 0xc0, 12],
    },
    {
      name: "CNAME target compressed",
      rdata: { kind: "CNAME", target: "example.com." } as Rdata,
      wire: [0xc0, 12],
    },
    {
      name: "MX exchange compressed",
      rdata: { kind: "MX", preference: 5, exchange: "example.com." } as Rdata,
      wire: [0, 5, 0xc0, 12],
    },
    {
      name: "SRV target never compressed (RFC 2782)",
      rdata: { kind: "SRV", priority: 1, weight: 2, port: 3, target: "example.com." } as Rdata,
      wire: [0, 1, 0, 2, 0, 3, ...nameToWire("example.com.")!],
    },
  ])("$name", ({ rdata, wire }) => {
    expect(encode(rdata)).toEqual(wire);
  });

  it("CAA wire format (RFC 8659 4.1): flags, tag length, tag, value", () => {
    expect(encode({ kind: "CAA", flags: 0, tag: "iodef", value: bytes("x") })).toEqual([
      0,
      5,
      ...bytes("iodef"),
      0x78,
    ]);
  });

  it.each([
    { name: "TXT string of 256 bytes", rdata: { kind: "TXT", strings: [new Uint8Array(256)] } as Rdata },
    { name: "A of 3 bytes", rdata: { kind: "A", address: "x", bytes: new Uint8Array(3) } as Rdata },
    { name: "AAAA of 4 bytes", rdata: { kind: "AAAA", address: "x", bytes: new Uint8Array(4) } as Rdata },
    { name: "CAA empty tag", rdata: { kind: "CAA", flags: 0, tag: "", value: new Uint8Array(0) } as Rdata },
    {
      name: "CAA tag with a space",
      rdata: { kind: "CAA", flags: 0, tag: "a b", value: new Uint8Array(0) } as Rdata,
    },
    { name: "NS bad name", rdata: { kind: "NS", target: "a..b." } as Rdata },
  ])("refuses to encode $name", ({ rdata }) => {
    const msg = new Uint8Array(512);
    expect(encodeRdata(msg, 0, 512, rdata, new NameCompressor())).toBe(RdataError.BAD_DATA);
  });

  it("reports NO_SPACE for data past the limit", () => {
    const msg = new Uint8Array(512);
    const names = new NameCompressor();
    for (const { rdata } of EXAMPLES) {
      if (rdata.kind === "UNKNOWN" && rdata.data.length === 0) continue;
      expect(encodeRdata(msg, 0, 1, rdata, names)).toBe(RdataError.NO_SPACE);
    }
  });
});

describe("rdata: malformed RDATA is reported, never thrown", () => {
  const name = [...nameToWire("a.b.")!];
  const cases: { name: string; type: number; rdata: number[]; reason: RegExp }[] = [
    { name: "A of 5 bytes", type: RRType.A, rdata: [1, 2, 3, 4, 5], reason: /A RDATA/ },
    { name: "AAAA of 15 bytes", type: RRType.AAAA, rdata: Array<number>(15).fill(0), reason: /AAAA/ },
    { name: "NS with bytes after the name", type: RRType.NS, rdata: [...name, 0], reason: /NS target/ },
    { name: "CNAME cut short", type: RRType.CNAME, rdata: name.slice(0, 3), reason: /CNAME target/ },
    { name: "MX too short", type: RRType.MX, rdata: [0, 1], reason: /MX/ },
    {
      name: "SOA without counters",
      type: RRType.SOA,
      rdata: [...name, ...name, 0, 0, 0, 1],
      reason: /SOA counters/,
    },
    { name: "SOA bad rname", type: RRType.SOA, rdata: [...name, 0x40], reason: /SOA RNAME/ },
    { name: "TXT string past the end", type: RRType.TXT, rdata: [5, 0x61], reason: /TXT/ },
    { name: "SRV too short", type: RRType.SRV, rdata: [0, 0, 0, 0, 0, 0], reason: /SRV/ },
    { name: "CAA tag length 0", type: RRType.CAA, rdata: [0, 0, 0x61], reason: /CAA tag/ },
    { name: "CAA tag past the end", type: RRType.CAA, rdata: [0, 9, 0x61], reason: /CAA tag/ },
  ];
  it.each(cases)("$name", ({ type, rdata, reason }) => {
    const result = decodeRdata(Uint8Array.from(rdata), 0, rdata.length, type);
    expect(typeof result).toBe("string");
    expect(result).toMatch(reason);
  });

  it("says when the RDATA runs past the message", () => {
    expect(decodeRdata(Uint8Array.of(1, 2), 0, 4, RRType.A)).toBe("RDATA runs past the message");
  });

  it("decodes IPv6 text as dig prints it", () => {
    const v6 = (words: number[]): Uint8Array => Uint8Array.from(words.flatMap((w) => [w >> 8, w & 0xff]));
    const text = (words: number[]): unknown => {
      const r = decodeRdata(v6(words), 0, 16, RRType.AAAA);
      return typeof r === "string" ? r : r.kind === "AAAA" ? r.address : r.kind;
    };
    expect(text([0, 0, 0, 0, 0, 0, 0, 0])).toBe("::");
    expect(text([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe("2001:db8::1:0:0:1");
    expect(text([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe("2001:db8:0:1:1:1:1:1");
  });
});
