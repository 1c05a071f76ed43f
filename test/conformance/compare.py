#!/usr/bin/env python3
"""Sends the same DNS queries to two servers and reports every difference, section by section.

dnspython (Debian python3-dnspython) is the oracle: it parses both answers strictly, independently of our
own codec. Input (stdin, JSON): {"a": [host, port], "b": [host, port], "queries": [{"name", "type",
"class", "edns", "do", "payload", "tcp"}]}. Output (stdout, JSON): {"compared": N, "differences": [...]}.
"""
import json
import sys

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rdataclass
import dns.rdatatype


def ask(server, q):
    msg = dns.message.make_query(
        q["name"],
        dns.rdatatype.from_text(q["type"]),
        dns.rdataclass.from_text(q.get("class", "IN")),
        use_edns=0 if q.get("edns") else False,
        want_dnssec=bool(q.get("do")),
        payload=q.get("payload", 1232),
    )
    msg.flags &= ~dns.flags.RD
    host, port = server
    try:
        if q.get("tcp"):
            return dns.query.tcp(msg, host, port=port, timeout=3)
        return dns.query.udp(msg, host, port=port, timeout=3, ignore_trailing=False, raise_on_truncation=False)
    except Exception as exc:  # a parse error is a difference, not a crash
        return "error: %s: %s" % (type(exc).__name__, exc)


def section_text(section):
    rrsets = []
    for rrset in section:
        rdatas = sorted(rd.to_text() for rd in rrset)
        rrsets.append("%s %d %s %s %s" % (rrset.name.to_text(), rrset.ttl, dns.rdataclass.to_text(rrset.rdclass),
                                          dns.rdatatype.to_text(rrset.rdtype), " | ".join(rdatas)))
    return sorted(rrsets)


def summary(resp):
    if isinstance(resp, str):
        return {"error": resp}
    flags = dns.flags.to_text(resp.flags).split()
    return {
        "rcode": dns.rcode.to_text(resp.rcode()),
        "flags": sorted(f for f in flags if f != "RD"),
        "question": [r.to_text() for r in resp.question],
        "answer": section_text(resp.answer),
        "authority": section_text(resp.authority),
        "additional": section_text(resp.additional),
        "edns": resp.edns,
        "ednsflags": dns.flags.edns_to_text(resp.ednsflags) if resp.edns >= 0 else "",
        "payload": resp.payload if resp.edns >= 0 else None,
    }


def main():
    job = json.load(sys.stdin)
    differences = []
    errors = {"a": 0, "b": 0}
    rcodes = {}
    for q in job["queries"]:
        sa, sb = summary(ask(job["a"], q)), summary(ask(job["b"], q))
        errors["a"] += "error" in sa
        errors["b"] += "error" in sb
        rcodes[sa.get("rcode", "error")] = rcodes.get(sa.get("rcode", "error"), 0) + 1
        if sa != sb:
            keys = sorted(k for k in set(sa) | set(sb) if sa.get(k) != sb.get(k))
            differences.append({"query": q, "fields": keys, "a": {k: sa.get(k) for k in keys},
                                "b": {k: sb.get(k) for k in keys}})
    json.dump({"compared": len(job["queries"]), "errors": errors, "rcodes": rcodes, "differences": differences},
              sys.stdout, indent=1)


if __name__ == "__main__":
    import dns.rcode  # noqa: F401  (used in summary)
    main()
