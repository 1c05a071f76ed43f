import { describe, expect, it } from "vitest";
import { Rcode } from "../../../src/dns/types.ts";
import { RCODE_NOTAUTH, decodeQuery } from "../../../src/dns/wire/reader.ts";
import type { DecodeOutcome, DecodedQuery, QueryError } from "../../../src/dns/wire/reader.ts";
import { u16 } from "../../helpers/dns-bytes.ts";
import { buildQuery, ecsOption, optRecord, wireName } from "./packets.ts";

function asQuery(outcome: DecodeOutcome): DecodedQuery {
  if (outcome.kind !== "query") throw new Error(`expected a query, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function asError(outcome: DecodeOutcome): QueryError {
  if (outcome.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("decodeQuery: well-formed queries", () => {
  it("decodes the question, keeping the case as sent and the lower-case key", () => {
    const q = asQuery(
      decodeQuery(buildQuery({ id: 0xbeef, qname: "WwW.ExAmple.COM.", qtype: 28, qclass: 1 })),
    );
    expect(q).toMatchObject({
      id: 0xbeef,
      opcode: 0,
      flags: 0x0100,
      qname: "WwW.ExAmple.COM.",
      qnameLower: "www.example.com.",
      qtype: 28,
      qclass: 1,
      edns: null,
    });
  });

  it("reads EDNS: payload, DO, version 0, no options", () => {
    const q = asQuery(decodeQuery(buildQuery({ opts: [{ payload: 4096, dnssecOk: true }] })));
    expect(q.edns).toEqual({
      udpPayloadSize: 4096,
      version: 0,
      dnssecOk: true,
      ecs: null,
      nsidRequested: false,
    });
  });

  it.each([
    [0, 512],
    [100, 512],
    [511, 512],
    [512, 512],
    [1232, 1232],
    [65535, 65535],
  ])("RFC 6891 6.2.5: a payload of %i is taken as %i", (payload, taken) => {
    expect(asQuery(decodeQuery(buildQuery({ opts: [{ payload }] }))).edns?.udpPayloadSize).toBe(taken);
  });

  it("notes an NSID request (empty option) and ignores cookies, padding and unknown options", () => {
    const q = asQuery(
      decodeQuery(
        buildQuery({
          opts: [
            {
              options: [
                [3, []],
                [10, [1, 2, 3, 4, 5, 6, 7, 8]],
                [12, [0, 0, 0]],
                [65001, [9]],
              ],
            },
          ],
        }),
      ),
    );
    expect(q.edns?.nsidRequested).toBe(true);
    expect(q.edns?.ecs).toBeNull();
  });

  it("ignores trailing bytes after the last record, as NSD does", () => {
    expect(asQuery(decodeQuery(buildQuery({ tail: [1, 2, 3] }))).qname).toBe("www.example.com.");
    expect(asQuery(decodeQuery(buildQuery({ opts: [{}], tail: [9, 9] }))).edns).not.toBeNull();
  });

  it("accepts TC set in a query (NSD 4.6 answers it) and keeps the raw flags", () => {
    expect(asQuery(decodeQuery(buildQuery({ flags: 0x0310 }))).flags).toBe(0x0310);
  });

  it("accepts IXFR with the client's SOA in the authority section", () => {
    const soa = [...wireName("example.com."), ...u16(6), ...u16(1), 0, 0, 0, 0, ...u16(22)];
    const rdata = [0, 0, ...Array<number>(20).fill(0)];
    const q = decodeQuery(buildQuery({ qtype: 251, nscount: 1, tail: [...soa, ...rdata] }));
    expect(asQuery(q).qtype).toBe(251);
  });
});

describe("decodeQuery: ECS (RFC 7871)", () => {
  const good: {
    name: string;
    option: [number, number[]];
    family: number;
    source: number;
    address: number[];
  }[] = [
    {
      name: "IPv4 /24",
      option: ecsOption(1, 24, 0, [192, 0, 2]),
      family: 1,
      source: 24,
      address: [192, 0, 2, 0],
    },
    {
      name: "IPv4 /32",
      option: ecsOption(1, 32, 0, [192, 0, 2, 1]),
      family: 1,
      source: 32,
      address: [192, 0, 2, 1],
    },
    { name: "IPv4 /0", option: ecsOption(1, 0, 0, []), family: 1, source: 0, address: [0, 0, 0, 0] },
    {
      name: "IPv4 /20",
      option: ecsOption(1, 20, 0, [10, 1, 0x30]),
      family: 1,
      source: 20,
      address: [10, 1, 0x30, 0],
    },
    {
      name: "IPv6 /56",
      option: ecsOption(2, 56, 0, [0x20, 1, 0xd, 0xb8, 0, 1, 2]),
      family: 2,
      source: 56,
      address: [0x20, 1, 0xd, 0xb8, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
    {
      name: "IPv6 /128",
      option: ecsOption(
        2,
        128,
        0,
        Array.from({ length: 16 }, (_, i) => i + 1),
      ),
      family: 2,
      source: 128,
      address: Array.from({ length: 16 }, (_, i) => i + 1),
    },
  ];
  it.each(good)("accepts $name", ({ option, family, source, address }) => {
    const ecs = asQuery(decodeQuery(buildQuery({ opts: [{ options: [option] }] }))).edns?.ecs;
    expect(ecs).toEqual({ family, sourcePrefix: source, scopePrefix: 0, address: Uint8Array.from(address) });
  });

  const bad: { name: string; options: [number, number[]][]; reason: string }[] = [
    { name: "family 0", options: [ecsOption(0, 24, 0, [1, 2, 3])], reason: "bad ECS" },
    { name: "family 3", options: [ecsOption(3, 24, 0, [1, 2, 3])], reason: "bad ECS" },
    { name: "IPv4 prefix 33", options: [ecsOption(1, 33, 0, [1, 2, 3, 4, 5])], reason: "bad ECS" },
    {
      name: "IPv6 prefix 129",
      options: [ecsOption(2, 129, 0, Array<number>(17).fill(0))],
      reason: "bad ECS",
    },
    { name: "address too long for /24", options: [ecsOption(1, 24, 0, [1, 2, 3, 0])], reason: "bad ECS" },
    { name: "address too short for /24", options: [ecsOption(1, 24, 0, [1, 2])], reason: "bad ECS" },
    { name: "address for /0", options: [ecsOption(1, 0, 0, [0])], reason: "bad ECS" },
    { name: "bits past a /20", options: [ecsOption(1, 20, 0, [10, 1, 0x31])], reason: "bad ECS" },
    { name: "bits past a /57", options: [ecsOption(2, 57, 0, [1, 1, 1, 1, 1, 1, 1, 1])], reason: "bad ECS" },
    { name: "non-zero scope in a query", options: [ecsOption(1, 24, 24, [1, 2, 3])], reason: "bad ECS" },
    { name: "option shorter than 4 bytes", options: [[8, [0, 1, 24]]], reason: "bad ECS" },
    {
      name: "two ECS options",
      options: [ecsOption(1, 24, 0, [1, 2, 3]), ecsOption(1, 24, 0, [1, 2, 3])],
      reason: "two ECS options",
    },
  ];
  it.each(bad)("answers FORMERR to $name", ({ options, reason }) => {
    const error = asError(decodeQuery(buildQuery({ opts: [{ options, payload: 4096, dnssecOk: true }] })));
    expect(error.rcode).toBe(Rcode.FORMERR);
    expect(error.reason).toBe(reason);
    expect(error.opt).toEqual({ udpPayloadSize: 4096, dnssecOk: true });
    expect(error.question?.qname).toBe("www.example.com.");
  });
});

describe("decodeQuery: guard clauses (rcodes as NSD 4.6 gives them)", () => {
  it.each([
    ["empty", Buffer.alloc(0), "short"],
    ["11 bytes", Buffer.alloc(11), "short"],
    ["a response (QR=1)", buildQuery({ flags: 0x8100 }), "response"],
  ])("drops %s", (_name, packet, reason) => {
    expect(decodeQuery(packet)).toEqual({ kind: "drop", reason });
  });

  const long = (n: number): number[] => [n, ...Array<number>(n).fill(0x61)];
  const cases: {
    name: string;
    packet: Buffer;
    rcode: number;
    reason: string;
    question: boolean;
    opt: boolean;
  }[] = [
    {
      name: "qdcount 0",
      packet: buildQuery({ qdcount: 0, question: [] }),
      rcode: 1,
      reason: "qdcount",
      question: false,
      opt: false,
    },
    {
      name: "qdcount 0 with a question",
      packet: buildQuery({ qdcount: 0 }),
      rcode: 1,
      reason: "qdcount",
      question: false,
      opt: false,
    },
    {
      name: "qdcount 2",
      packet: buildQuery({ qdcount: 2 }),
      rcode: 1,
      reason: "qdcount",
      question: false,
      opt: false,
    },
    {
      name: "question cut short",
      packet: buildQuery({ question: [3, 0x77, 0x77, 0x77, 0, 0, 1] }),
      rcode: 1,
      reason: "truncated question",
      question: false,
      opt: false,
    },
    {
      name: "label of 64",
      packet: buildQuery({ question: [...long(64), 0, 0, 1, 0, 1] }),
      rcode: 1,
      reason: "bad name",
      question: false,
      opt: false,
    },
    {
      name: "name of 256",
      packet: buildQuery({ question: [...long(63), ...long(63), ...long(63), ...long(62), 0, 0, 1, 0, 1] }),
      rcode: 1,
      reason: "bad name",
      question: false,
      opt: false,
    },
    {
      name: "pointer loop",
      packet: buildQuery({ question: [0xc0, 12, 0, 1, 0, 1] }),
      rcode: 1,
      reason: "bad name",
      question: false,
      opt: false,
    },
    {
      name: "forward pointer",
      packet: buildQuery({ question: [0xc0, 18, 0, 1, 0, 1, 3, 0x61, 0x62, 0x63, 0] }),
      rcode: 1,
      reason: "bad name",
      question: false,
      opt: false,
    },
    {
      name: "reserved label type",
      packet: buildQuery({ question: [0x40, 0, 0, 1, 0, 1] }),
      rcode: 1,
      reason: "bad name",
      question: false,
      opt: false,
    },
    {
      name: "an answer record",
      packet: buildQuery({ ancount: 1 }),
      rcode: 1,
      reason: "answer or authority in query",
      question: true,
      opt: false,
    },
    {
      name: "an authority record",
      packet: buildQuery({ nscount: 1 }),
      rcode: 1,
      reason: "answer or authority in query",
      question: true,
      opt: false,
    },
    {
      name: "two OPT",
      packet: buildQuery({ opts: [{}, {}] }),
      rcode: 1,
      reason: "two OPT",
      question: true,
      opt: true,
    },
    {
      name: "OPT not at root",
      packet: buildQuery({ opts: [{ owner: [1, 0x61, 0] }] }),
      rcode: 1,
      reason: "OPT not at root",
      question: true,
      opt: true,
    },
    {
      name: "option longer than the RDATA",
      packet: buildQuery({
        tail: [0, ...u16(41), ...u16(1232), 0, 0, 0, 0, ...u16(4), ...u16(3), ...u16(9)],
        arcount: 1,
      }),
      rcode: 1,
      reason: "bad option length",
      question: true,
      opt: true,
    },
    {
      name: "OPT RDATA past the end",
      packet: buildQuery({ tail: [0, ...u16(41), ...u16(1232), 0, 0, 0, 0, ...u16(40)], arcount: 1 }),
      rcode: 1,
      reason: "truncated record",
      question: true,
      opt: false,
    },
    {
      name: "arcount larger than the records",
      packet: buildQuery({ opts: [{}], arcount: 2 }),
      rcode: 1,
      reason: "truncated record",
      question: true,
      opt: true,
    },
    {
      name: "an A record in the additional section",
      packet: buildQuery({ arcount: 1, tail: [0, ...u16(1), ...u16(1), 0, 0, 0, 0, ...u16(4), 1, 2, 3, 4] }),
      rcode: 1,
      reason: "unexpected additional record",
      question: true,
      opt: false,
    },
    {
      name: "TSIG with a key we do not have",
      packet: buildQuery({
        arcount: 1,
        tail: [
          1,
          0x6b,
          0,
          ...u16(250),
          ...u16(255),
          0,
          0,
          0,
          0,
          ...u16(19),
          1,
          0x61,
          0,
          ...Array<number>(16).fill(0),
        ],
      }),
      rcode: RCODE_NOTAUTH,
      reason: "TSIG",
      question: true,
      opt: false,
    },
    {
      name: "TSIG with a malformed RDATA",
      packet: buildQuery({ arcount: 1, tail: [1, 0x6b, 0, ...u16(250), ...u16(255), 0, 0, 0, 0, ...u16(0)] }),
      rcode: Rcode.FORMERR,
      reason: "TSIG",
      question: true,
      opt: false,
    },
    {
      name: "EDNS version 1",
      packet: buildQuery({ opts: [{ version: 1, payload: 4096 }] }),
      rcode: Rcode.BADVERS,
      reason: "EDNS version",
      question: true,
      opt: true,
    },
    {
      name: "EDNS version 1 with options we cannot parse",
      packet: buildQuery({ opts: [{ version: 1, options: [[8, [0, 9]]] }] }),
      rcode: Rcode.BADVERS,
      reason: "EDNS version",
      question: true,
      opt: true,
    },
  ];
  it.each(cases)("$name → rcode $rcode ($reason)", ({ packet, rcode, reason, question, opt }) => {
    const error = asError(decodeQuery(packet));
    expect({ rcode: error.rcode, reason: error.reason }).toEqual({ rcode, reason });
    expect(error.id).toBe(0x1234);
    expect(error.question !== null).toBe(question);
    expect(error.opt !== null).toBe(opt);
  });

  it.each([1, 2, 3, 4, 5, 6, 15])(
    "opcode %i → NOTIMP, even with a malformed question (NSD checks opcode first)",
    (opcode) => {
      const flags = 0x0100 | (opcode << 11);
      const good = asError(decodeQuery(buildQuery({ flags, opts: [{ payload: 2048 }] })));
      expect(good).toMatchObject({ rcode: Rcode.NOTIMP, opcode, question: { qname: "www.example.com." } });
      expect(good.opt).toEqual({ udpPayloadSize: 2048, dnssecOk: false });
      const bad = asError(decodeQuery(buildQuery({ flags, question: [70, 1] })));
      expect(bad).toMatchObject({ rcode: Rcode.NOTIMP, opcode, question: null, opt: null });
    },
  );

  it("builds the OPT record with the helper the tests use (sanity of packets.ts)", () => {
    expect(optRecord({ payload: 512, dnssecOk: true })).toEqual([0, 0, 41, 2, 0, 0, 0, 0x80, 0, 0, 0]);
  });
});
