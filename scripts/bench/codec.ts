/**
 * Micro-benchmark of the hot-path codec: decode a query (EDNS + ECS, mixed case) and write a two-record
 * answer into the reused buffer, N times. Prints ns per decode+encode. Run: node scripts/bench/codec.ts [N]
 */
import { Buffer } from "node:buffer";
import { RRType } from "../../src/dns/types.ts";
import type { RRset } from "../../src/dns/types.ts";
import { decodeQuery } from "../../src/dns/wire/reader.ts";
import { ResponseWriter, Section } from "../../src/dns/wire/writer.ts";

const iterations = Number(process.argv[2] ?? 1_000_000);

// id 0xabcd, RD, one question "WwW.ExAmple.com. A IN", OPT 4096 DO with ECS 192.0.2.0/24.
const query = Buffer.from(
  "abcd0100000100000000000103577757074578416d706c6503636f6d0000010001" + // header, question
    "00" +
    "0029" +
    "1000" +
    "00008000" +
    "000b" + // OPT: root, type 41, payload 4096, DO, RDLENGTH 11
    "0008000700011800c00002", // ECS: family 1, source 24, scope 0, 192.0.2
  "hex",
);

const answer: RRset = {
  name: "www.example.com.",
  type: RRType.A,
  class: 1,
  ttl: 300,
  rdata: [
    { kind: "A", address: "192.0.2.10", bytes: Uint8Array.of(192, 0, 2, 10) },
    { kind: "A", address: "192.0.2.11", bytes: Uint8Array.of(192, 0, 2, 11) },
  ],
};

const writer = new ResponseWriter();
let bytes = 0;

function once(): void {
  const outcome = decodeQuery(query);
  if (outcome.kind !== "query") throw new Error(`benchmark query did not decode: ${JSON.stringify(outcome)}`);
  writer.begin(outcome, false);
  writer.setAuthoritative(true);
  writer.addRRset(Section.ANSWER, answer);
  bytes += writer.finish().length;
}

for (let i = 0; i < 20_000; i++) once(); // warm up
const start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) once();
const elapsed = Number(process.hrtime.bigint() - start);
console.log(
  `codec: decode query + write 2-record answer: ${(elapsed / iterations).toFixed(0)} ns/op ` +
    `(${iterations} iterations, ${(bytes / (iterations + 20_000)).toFixed(0)} bytes/response)`,
);
