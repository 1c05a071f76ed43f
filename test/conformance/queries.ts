/** The query battery of the conformance test: every kind of answer, over UDP and TCP, with and without EDNS. */
export interface ConformanceQuery {
  readonly name: string;
  readonly type: string;
  readonly class?: string;
  readonly edns: boolean;
  readonly do?: boolean;
  readonly payload?: number;
  readonly tcp: boolean;
}

const ORIGIN = "shop.test.";

/** Owner names of the zone plus names that exercise NXDOMAIN, ENT, wildcard, delegation and CNAME paths. */
const NAMES = [
  "@",
  "www",
  "WwW",
  "ns1",
  "ns2",
  "mail",
  "api",
  "alias",
  "ALIAS",
  "outside",
  "loop1",
  "dangling",
  "anything.apps",
  "fixed.apps",
  "deeper.x.apps",
  "apps",
  "a.cdn",
  "ent.sub2",
  "sub2",
  "deep.ent.sub2",
  "_sip._tcp",
  "_https._tcp.www",
  "1.100.51.198.rev",
  "long",
  "big",
  "quoted",
  "many",
  "bulk",
  "eu",
  "host.eu",
  "ns1.eu",
  "a.b.us",
  "us",
  "nonexistent",
  "no.such.name",
  "sipserver",
];

const TYPES = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "CAA", "SRV", "PTR", "CNAME", "ANY", "DS"];

function fqdn(name: string): string {
  return name === "@" ? ORIGIN : `${name}.${ORIGIN}`;
}

/** Deterministic: the same battery every run (a few hundred queries). */
export function conformanceQueries(): ConformanceQuery[] {
  const out: ConformanceQuery[] = [];
  let i = 0;
  for (const name of NAMES) {
    for (const type of TYPES) {
      // Rotate transport and EDNS so every name sees each combination across its types.
      const variant = i++ % 4;
      out.push({ name: fqdn(name), type, edns: variant % 2 === 0, tcp: variant >= 2 });
    }
  }
  // Truncation and payload sizes: the big RRsets over UDP with small and large buffers.
  for (const name of ["bulk", "many", "big", "eu", "@"]) {
    for (const type of ["TXT", "A", "ANY", "NS"]) {
      out.push({ name: fqdn(name), type, edns: false, tcp: false });
      out.push({ name: fqdn(name), type, edns: true, payload: 512, tcp: false });
      out.push({ name: fqdn(name), type, edns: true, payload: 4096, tcp: false });
      out.push({ name: fqdn(name), type, edns: true, tcp: true });
    }
  }
  // DO bit echoed, outside our zones (REFUSED), the root, CHAOS is left to unit tests (identities differ).
  out.push({ name: fqdn("www"), type: "A", edns: true, do: true, tcp: false });
  out.push({ name: "www.example.org.", type: "A", edns: true, tcp: false });
  out.push({ name: "www.example.org.", type: "A", edns: false, tcp: true });
  out.push({ name: "test.", type: "SOA", edns: true, tcp: false });
  out.push({ name: ".", type: "NS", edns: false, tcp: false });
  // QCLASS ANY (RFC 1035 §3.2.5) is answered from the IN data, as Knot does; an unserved class is REFUSED.
  for (const name of ["www", "nonexistent", "host.eu", "alias", "@"])
    for (const type of ["A", "MX", "NS"])
      out.push({ name: fqdn(name), type, class: "ANY", edns: true, tcp: false });
  out.push({ name: "www.example.org.", type: "A", class: "ANY", edns: true, tcp: false });
  out.push({ name: fqdn("www"), type: "A", class: "HS", edns: true, tcp: false });
  return out;
}
