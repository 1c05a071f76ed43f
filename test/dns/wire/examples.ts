/** One example of every Rdata kind, shared by the rdata and dnspython tests. */
import { RRType } from "../../../src/dns/types.ts";
import type { Rdata } from "../../../src/dns/types.ts";

export const bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "latin1"));

/** One example of every Rdata kind, with its type code. */
export const EXAMPLES: { type: number; rdata: Rdata }[] = [
  { type: RRType.A, rdata: { kind: "A", address: "192.0.2.1", bytes: Uint8Array.of(192, 0, 2, 1) } },
  {
    type: RRType.AAAA,
    rdata: {
      kind: "AAAA",
      address: "2001:db8::1",
      bytes: Uint8Array.of(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    },
  },
  { type: RRType.NS, rdata: { kind: "NS", target: "ns1.example.com." } },
  { type: RRType.CNAME, rdata: { kind: "CNAME", target: "web.example.net." } },
  { type: RRType.PTR, rdata: { kind: "PTR", target: "host.example.com." } },
  { type: RRType.MX, rdata: { kind: "MX", preference: 10, exchange: "mail.example.com." } },
  {
    type: RRType.SOA,
    rdata: {
      kind: "SOA",
      mname: "ns1.example.com.",
      rname: "hostmaster.example.com.",
      serial: 4294967295,
      refresh: 3600,
      retry: 600,
      expire: 1209600,
      minimum: 300,
    },
  },
  {
    type: RRType.TXT,
    rdata: {
      kind: "TXT",
      strings: [bytes("v=spf1 -all"), new Uint8Array(0), new Uint8Array(255).fill(0x41)],
    },
  },
  { type: RRType.SRV, rdata: { kind: "SRV", priority: 0, weight: 5, port: 443, target: "app.example.com." } },
  { type: RRType.CAA, rdata: { kind: "CAA", flags: 128, tag: "issue", value: bytes("letsencrypt.org") } },
  { type: 65280, rdata: { kind: "UNKNOWN", type: 65280, data: bytes("opaque") } },
  { type: 65281, rdata: { kind: "UNKNOWN", type: 65281, data: new Uint8Array(0) } },
];
