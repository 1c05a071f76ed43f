import { describe, expect, it } from "vitest";
import { RRClass, RRType, Rcode } from "../../../src/dns/types.ts";
import type { Query, RRset, Rdata } from "../../../src/dns/types.ts";
import { decodeMessage, toRRsets } from "../../../src/dns/wire/message.ts";
import type { DecodedMessage } from "../../../src/dns/wire/message.ts";
import { decodeQuery } from "../../../src/dns/wire/reader.ts";
import type { QueryError } from "../../../src/dns/wire/reader.ts";
import { AddResult, ResponseWriter, Section } from "../../../src/dns/wire/writer.ts";
import { buildQuery, ecsOption } from "./packets.ts";
import type { QuerySpec } from "./packets.ts";

function query(spec: QuerySpec = {}): Query {
  const outcome = decodeQuery(buildQuery(spec));
  if (outcome.kind !== "query") throw new Error(`not a query: ${JSON.stringify(outcome)}`);
  return outcome;
}

function queryError(spec: QuerySpec): QueryError {
  const outcome = decodeQuery(buildQuery(spec));
  if (outcome.kind !== "error") throw new Error(`not an error: ${JSON.stringify(outcome)}`);
  return outcome;
}

function decoded(bytes: Uint8Array): DecodedMessage {
  const m = decodeMessage(bytes);
  if (m.kind !== "message") throw new Error(`our reply does not decode: ${m.reason} at ${m.offset}`);
  return m;
}

const a = (last: number): Rdata => ({
  kind: "A",
  address: `192.0.2.${last}`,
  bytes: Uint8Array.of(192, 0, 2, last),
});

function aSet(name: string, count: number, first = 1): RRset {
  return {
    name,
    type: RRType.A,
    class: RRClass.IN,
    ttl: 300,
    rdata: Array.from({ length: count }, (_, i) => a(first + i)),
  };
}

function txtSet(name: string, bytes: number): RRset {
  return {
    name,
    type: RRType.TXT,
    class: RRClass.IN,
    ttl: 60,
    rdata: [{ kind: "TXT", strings: [new Uint8Array(Math.min(bytes, 255)).fill(0x78)] }],
  };
}

describe("ResponseWriter: header", () => {
  const cases: {
    name: string;
    flags: number;
    aa: boolean;
    rcode: number;
    expected: Partial<DecodedMessage>;
  }[] = [
    {
      name: "RD echoed, AA set",
      flags: 0x0100,
      aa: true,
      rcode: 0,
      expected: { qr: true, rd: true, aa: true, ra: false, cd: false, tc: false },
    },
    { name: "no RD", flags: 0x0000, aa: true, rcode: 0, expected: { rd: false, aa: true } },
    {
      name: "CD echoed, AD and Z cleared",
      flags: 0x0170,
      aa: false,
      rcode: 0,
      expected: { cd: true, ad: false, aa: false, flags: 0x8110 },
    },
    {
      name: "RA and AA from the query never echoed",
      flags: 0x0580,
      aa: false,
      rcode: 0,
      expected: { ra: false, aa: false },
    },
    { name: "NXDOMAIN", flags: 0x0100, aa: true, rcode: Rcode.NXDOMAIN, expected: { rcode: 3 } },
    { name: "REFUSED", flags: 0x0100, aa: false, rcode: Rcode.REFUSED, expected: { rcode: 5, aa: false } },
  ];
  it.each(cases)("$name", ({ flags, aa, rcode, expected }) => {
    const w = new ResponseWriter();
    w.begin(query({ id: 0x4242, flags }), false);
    w.setAuthoritative(aa);
    w.setRcode(rcode);
    const m = decoded(w.finish());
    expect(m).toMatchObject({ id: 0x4242, opcode: 0, ...expected });
  });

  it("echoes the question byte for byte, case kept, and answers with pointers to it (0x20)", () => {
    const packet = buildQuery({ qname: "wWw.ExAmPlE.cOm.", qtype: RRType.A });
    const w = new ResponseWriter();
    w.begin(query({ qname: "wWw.ExAmPlE.cOm.", qtype: RRType.A }), false);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", 2))).toBe(AddResult.OK);
    const out = w.finish();
    expect(Buffer.from(out.subarray(12, packet.length)).equals(packet.subarray(12))).toBe(true);
    const m = decoded(out);
    expect(m.answer.map((r) => r.ownerText)).toEqual(["wWw.ExAmPlE.cOm.", "wWw.ExAmPlE.cOm."]);
    // each owner is the 2-byte pointer to offset 12
    expect([...out.subarray(packet.length, packet.length + 2)]).toEqual([0xc0, 12]);
  });

  it("writes a wildcard answer under the owner override", () => {
    const w = new ResponseWriter();
    w.begin(query({ qname: "Foo.Example.com." }), false);
    w.addRRset(Section.ANSWER, aSet("*.example.com.", 1), "foo.example.com.");
    expect(decoded(w.finish()).answer[0]).toMatchObject({
      name: "foo.example.com.",
      ownerText: "Foo.Example.com.",
    });
  });

  it("keeps sections in order and counts them", () => {
    const w = new ResponseWriter();
    w.begin(query(), false);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", 2))).toBe(AddResult.OK);
    expect(
      w.addRRset(Section.AUTHORITY, {
        name: "example.com.",
        type: RRType.NS,
        class: 1,
        ttl: 9,
        rdata: [{ kind: "NS", target: "ns1.example.com." }],
      }),
    ).toBe(AddResult.OK);
    expect(w.addRRset(Section.ADDITIONAL, aSet("ns1.example.com.", 1))).toBe(AddResult.OK);
    expect(w.addRRset(Section.ANSWER, aSet("late.example.com.", 1))).toBe(AddResult.OUT_OF_ORDER);
    const m = decoded(w.finish());
    expect([m.answer.length, m.authority.length, m.additional.length]).toEqual([2, 1, 1]);
    expect(toRRsets(m.answer)).toEqual([aSet("www.example.com.", 2)]);
  });

  it("refuses an RRset before begin() and one whose data cannot be encoded, without TC", () => {
    const w = new ResponseWriter();
    expect(w.addRRset(Section.ANSWER, aSet("a.", 1))).toBe(AddResult.OUT_OF_ORDER);
    w.begin(query(), false);
    const bad: RRset = {
      name: "www.example.com.",
      type: 16,
      class: 1,
      ttl: 1,
      rdata: [{ kind: "TXT", strings: [new Uint8Array(256)] }],
    };
    expect(w.addRRset(Section.ANSWER, bad)).toBe(AddResult.INVALID);
    expect(w.addRRset(Section.ANSWER, aSet("bad..name.", 1))).toBe(AddResult.INVALID);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", 1))).toBe(AddResult.OK);
    const m = decoded(w.finish());
    expect(m.tc).toBe(false);
    expect(m.answer).toHaveLength(1);
  });

  it("reuses one buffer: a second response overwrites the first view", () => {
    const w = new ResponseWriter();
    w.begin(query({ id: 1 }), false);
    const first = w.finish();
    w.begin(query({ id: 2 }), false);
    const second = w.finish();
    expect(first.buffer).toBe(second.buffer);
    expect(first.readUInt16BE(0)).toBe(2);
  });

  it("writes RRsets past offset 0x3fff (beyond pointer reach) that still decode", () => {
    const w = new ResponseWriter();
    w.begin(query(), true);
    const big: RRset = {
      ...txtSet("www.example.com.", 255),
      rdata: Array.from({ length: 70 }, () => txtSet("x.", 255).rdata[0]!),
    };
    expect(w.addRRset(Section.ANSWER, big)).toBe(AddResult.OK);
    expect(w.addRRset(Section.ADDITIONAL, aSet("far.away.example.", 3))).toBe(AddResult.OK);
    expect(w.addRRset(Section.ADDITIONAL, aSet("far.away.example.", 2, 50))).toBe(AddResult.OK);
    const out = w.finish();
    expect(out.length).toBeGreaterThan(0x4000);
    const m = decoded(out);
    expect(m.answer).toHaveLength(70);
    expect(toRRsets(m.additional)).toEqual([
      { ...aSet("far.away.example.", 3), rdata: [...aSet("x.", 3).rdata, ...aSet("x.", 2, 50).rdata] },
    ]);
  });

  it("prefixes the TCP length without a copy", () => {
    const w = new ResponseWriter();
    w.begin(query(), true);
    w.addRRset(Section.ANSWER, aSet("www.example.com.", 3));
    const message = w.finish();
    const framed = w.lengthPrefixed();
    expect(framed.readUInt16BE(0)).toBe(message.length);
    expect(Buffer.compare(framed.subarray(2), message)).toBe(0);
  });
});

describe("ResponseWriter: truncation at RRset boundaries", () => {
  it.each([
    { name: "no EDNS: 512 bytes", spec: {}, tcp: false, limit: 512 },
    { name: "EDNS 4096, capped at 1232", spec: { opts: [{ payload: 4096 }] }, tcp: false, limit: 1232 },
    { name: "EDNS 800", spec: { opts: [{ payload: 800 }] }, tcp: false, limit: 800 },
    { name: "EDNS 100 is 512", spec: { opts: [{ payload: 100 }] }, tcp: false, limit: 512 },
    { name: "TCP", spec: {}, tcp: true, limit: 65535 },
    { name: "TCP with EDNS 512", spec: { opts: [{ payload: 512 }] }, tcp: true, limit: 65535 },
  ])("$name: fills up to the limit, then drops the next RRset whole and sets TC", ({ spec, tcp, limit }) => {
    const hasOpt = spec.opts !== undefined;
    const w = new ResponseWriter();
    w.begin(query(spec), tcp);
    // header 12 + question 17 + 4, and the OPT's 11 bytes reserved
    expect(w.remaining).toBe(limit - 33 - (hasOpt ? 11 : 0));
    // each A record compressed to the question: 2 + 10 + 4 = 16 bytes
    const fits = Math.floor(w.remaining / 16);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", fits))).toBe(AddResult.OK);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", 1, 200))).toBe(AddResult.TRUNCATED);
    expect(w.addRRset(Section.ADDITIONAL, aSet("www.example.com.", 1))).toBe(AddResult.TRUNCATED);
    const out = w.finish();
    expect(out.length).toBeLessThanOrEqual(limit);
    expect(out.length).toBeGreaterThan(limit - 16);
    const m = decoded(out);
    expect(m.tc).toBe(true);
    expect(m.answer).toHaveLength(fits);
    expect(m.opt !== null).toBe(hasOpt);
  });

  it("takes back a whole RRset: the records before it stay, TC is set", () => {
    const w = new ResponseWriter();
    w.begin(query(), false);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", 1))).toBe(AddResult.OK);
    expect(w.addRRset(Section.ANSWER, aSet("big.example.com.", 40))).toBe(AddResult.TRUNCATED);
    expect(w.truncated).toBe(true);
    const m = decoded(w.finish());
    expect(m).toMatchObject({ tc: true, answer: [{ name: "www.example.com." }] });
  });

  it("omits an additional RRset that does not fit, without TC, and still adds a later one that fits", () => {
    const w = new ResponseWriter();
    w.begin(query(), false);
    expect(w.addRRset(Section.ANSWER, txtSet("www.example.com.", 255))).toBe(AddResult.OK);
    expect(w.addRRset(Section.ADDITIONAL, aSet("ns.example.com.", 20))).toBe(AddResult.OMITTED);
    expect(w.addRRset(Section.ADDITIONAL, aSet("ns.example.com.", 1))).toBe(AddResult.OK);
    const m = decoded(w.finish());
    expect(m.tc).toBe(false);
    expect(m.additional.map((r) => r.name)).toEqual(["ns.example.com."]);
  });

  it("sets TC for an authority RRset that does not fit", () => {
    const w = new ResponseWriter();
    w.begin(query(), false);
    w.addRRset(Section.ANSWER, txtSet("www.example.com.", 255));
    expect(w.addRRset(Section.AUTHORITY, aSet("example.com.", 30))).toBe(AddResult.TRUNCATED);
    expect(decoded(w.finish())).toMatchObject({ tc: true, authority: [] });
  });

  it("rolls back compression targets with the RRset (a later name does not point into dropped bytes)", () => {
    const w = new ResponseWriter();
    w.begin(query(), false);
    expect(w.addRRset(Section.ADDITIONAL, { ...aSet("x.other.org.", 40) })).toBe(AddResult.OMITTED);
    expect(w.addRRset(Section.ADDITIONAL, aSet("y.other.org.", 1))).toBe(AddResult.OK);
    expect(decoded(w.finish()).additional[0]?.name).toBe("y.other.org.");
  });
});

describe("ResponseWriter: OPT", () => {
  it("writes no OPT when the query had none", () => {
    const w = new ResponseWriter({ nsid: Buffer.from("x") });
    w.begin(query(), false);
    expect(decoded(w.finish()).opt).toBeNull();
  });

  it.each([
    {
      name: "DO echoed",
      spec: { opts: [{ dnssecOk: true, payload: 4096 }] },
      opt: { dnssecOk: true, udpPayloadSize: 1232, version: 0, extendedRcode: 0 },
    },
    { name: "no DO", spec: { opts: [{ payload: 512 }] }, opt: { dnssecOk: false, udpPayloadSize: 1232 } },
  ])("writes our OPT: $name", ({ spec, opt }) => {
    const w = new ResponseWriter();
    w.begin(query(spec), false);
    expect(decoded(w.finish()).opt).toMatchObject({ ...opt, options: [] });
  });

  it("advertises the configured payload size", () => {
    const w = new ResponseWriter({ ednsPayloadSize: 1400 });
    w.begin(query({ opts: [{}] }), false);
    expect(decoded(w.finish()).opt?.udpPayloadSize).toBe(1400);
  });

  it("keeps the OPT on a truncated reply (its space is reserved first)", () => {
    const w = new ResponseWriter({ nsid: Buffer.from("gslb-eu-1") });
    w.begin(query({ opts: [{ payload: 512, options: [[3, []], ecsOption(1, 24, 0, [10, 0, 0])] }] }), false);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", 40))).toBe(AddResult.TRUNCATED);
    const out = w.finish();
    expect(out.length).toBeLessThanOrEqual(512);
    const m = decoded(out);
    expect(m.tc).toBe(true);
    expect(m.opt?.nsid).toEqual(Uint8Array.from(Buffer.from("gslb-eu-1")));
    expect(m.opt?.ecs).toEqual({
      family: 1,
      sourcePrefix: 24,
      scopePrefix: 0,
      address: Uint8Array.of(10, 0, 0),
    });
  });

  it("fills a 512-byte reply right up to the OPT", () => {
    const w = new ResponseWriter();
    w.begin(query({ opts: [{ payload: 512 }] }), false);
    const records = Math.floor(w.remaining / 16);
    expect(w.addRRset(Section.ANSWER, aSet("www.example.com.", records))).toBe(AddResult.OK);
    const out = w.finish();
    expect(out.length).toBeGreaterThan(512 - 16);
    expect(out.length).toBeLessThanOrEqual(512);
  });

  it.each([
    { name: "IPv4 /24, scope 0 (static data)", option: ecsOption(1, 24, 0, [192, 0, 2]), scope: 0 },
    { name: "IPv4 /24, scope 16", option: ecsOption(1, 24, 0, [192, 0, 2]), scope: 16 },
    { name: "IPv4 /0", option: ecsOption(1, 0, 0, []), scope: 0 },
    { name: "IPv6 /56, scope 48", option: ecsOption(2, 56, 0, [0x20, 1, 0xd, 0xb8, 0, 1, 2]), scope: 48 },
    { name: "IPv4 /22", option: ecsOption(1, 22, 0, [10, 1, 4]), scope: 24 },
  ])("echoes ECS $name with the caller's scope", ({ option, scope }) => {
    const w = new ResponseWriter();
    w.begin(query({ opts: [{ options: [option] }] }), false);
    w.setEcsScope(scope);
    const m = decoded(w.finish());
    const data = option[1];
    expect(m.opt?.ecs).toEqual({
      family: (data[0]! << 8) | data[1]!,
      sourcePrefix: data[2],
      scopePrefix: scope,
      address: Uint8Array.from(data.slice(4)),
    });
  });

  it.each([
    { name: "requested and configured", nsid: Buffer.from("ns-1"), requested: true, expected: "ns-1" },
    { name: "not requested", nsid: Buffer.from("ns-1"), requested: false, expected: null },
    { name: "requested, not configured", nsid: null, requested: true, expected: null },
  ])("NSID $name", ({ nsid, requested, expected }) => {
    const w = new ResponseWriter({ nsid });
    w.begin(query({ opts: [{ options: requested ? [[3, []]] : [] }] }), false);
    const got = decoded(w.finish()).opt?.nsid ?? null;
    expect(got === null ? null : Buffer.from(got).toString()).toBe(expected);
  });
});

describe("ResponseWriter: error replies", () => {
  const cases: { name: string; spec: QuerySpec; rcode: number; question: boolean; opt: boolean }[] = [
    {
      name: "FORMERR (two OPT) keeps an OPT",
      spec: { opts: [{}, {}] },
      rcode: Rcode.FORMERR,
      question: true,
      opt: true,
    },
    {
      name: "FORMERR (bad ECS) keeps an OPT",
      spec: { opts: [{ options: [ecsOption(1, 24, 8, [1, 2, 3])] }] },
      rcode: Rcode.FORMERR,
      question: true,
      opt: true,
    },
    {
      name: "FORMERR (qdcount 2) without OPT or question",
      spec: { qdcount: 2 },
      rcode: Rcode.FORMERR,
      question: false,
      opt: false,
    },
    {
      name: "NOTIMP with the question",
      spec: { flags: 0x2100 },
      rcode: Rcode.NOTIMP,
      question: true,
      opt: false,
    },
    {
      name: "BADVERS",
      spec: { opts: [{ version: 1, dnssecOk: true }] },
      rcode: Rcode.BADVERS,
      question: true,
      opt: true,
    },
  ];
  it.each(cases)("$name", ({ spec, rcode, question, opt }) => {
    const w = new ResponseWriter({ nsid: Buffer.from("n") });
    const error = queryError(spec);
    const m = decoded(w.writeError(error, false));
    expect(m.rcode).toBe(rcode);
    expect(m.id).toBe(0x1234);
    expect(m.opcode).toBe(error.opcode);
    expect(m.rd).toBe(true);
    expect(m.aa).toBe(false);
    expect(m.questions.length).toBe(question ? 1 : 0);
    expect(m.opt !== null).toBe(opt);
    expect([m.answer.length, m.authority.length, m.additional.length]).toEqual([0, 0, 0]);
  });

  it("BADVERS: rcode 16 split into header 0 and OPT extended rcode 1, our version 0", () => {
    const w = new ResponseWriter();
    const out = w.writeError(queryError({ opts: [{ version: 2 }] }), false);
    const m = decoded(out);
    expect(out.readUInt16BE(2) & 0xf).toBe(0);
    expect(m.opt).toMatchObject({ extendedRcode: 1, version: 0 });
  });

  it("REFUSED and SERVFAIL go through the normal path with the question and the OPT", () => {
    const w = new ResponseWriter();
    for (const rcode of [Rcode.REFUSED, Rcode.SERVFAIL]) {
      w.begin(query({ opts: [{ dnssecOk: true }] }), false);
      w.setRcode(rcode);
      const m = decoded(w.finish());
      expect(m).toMatchObject({ rcode, aa: false, questions: [{ qname: "www.example.com." }] });
      expect(m.opt?.dnssecOk).toBe(true);
    }
  });
});
