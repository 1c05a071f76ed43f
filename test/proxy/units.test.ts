import { describe, expect, it } from "vitest";
import { renderStatusPage, escapeHtml } from "../../src/proxy/status-page.ts";
import {
  clientResponseHeaderList,
  clientResponseHeaders,
  upstreamRequestHeaders,
} from "../../src/proxy/headers.ts";
import { RetryBudget } from "../../src/proxy/retry-budget.ts";
import { TrustedProxies } from "../../src/proxy/trust.ts";
import { classifyError } from "../../src/proxy/failures.ts";
import { cookieValue } from "../../src/proxy/forward.ts";

describe("TrustedProxies", () => {
  const trust = new TrustedProxies(["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]);
  it.each([
    { peer: "10.1.2.3", trusted: true },
    { peer: "::ffff:10.1.2.3", trusted: true },
    { peer: "192.0.2.1", trusted: true },
    { peer: "192.0.2.2", trusted: false },
    { peer: "2001:db8::5", trusted: true },
    { peer: "2001:db9::5", trusted: false },
  ])("$peer trusted: $trusted", ({ peer, trusted }) => expect(trust.trusts(peer)).toBe(trusted));

  it.each([
    { peer: "10.0.0.1", xff: "198.51.100.7", client: "198.51.100.7" },
    { peer: "10.0.0.1", xff: "6.6.6.6, 198.51.100.7, 10.0.0.2", client: "198.51.100.7" },
    { peer: "203.0.113.1", xff: "198.51.100.7", client: "203.0.113.1" },
    { peer: "10.0.0.1", xff: undefined, client: "10.0.0.1" },
    { peer: "10.0.0.1", xff: "garbage", client: "10.0.0.1" },
  ])("client behind $peer with XFF $xff is $client", ({ peer, xff, client }) =>
    expect(trust.clientAddress(peer, xff)).toBe(client),
  );

  it("trusts nobody when the list is empty", () =>
    expect(new TrustedProxies([]).trusts("127.0.0.1")).toBe(false));
});

describe("headers", () => {
  const facts = {
    peer: "192.0.2.9",
    client: "192.0.2.9",
    trusted: false,
    proto: "https",
    requestId: "rid",
    hasRequestId: false,
  };
  it("keeps end-to-end headers in order and case, and appends forwarding headers", () => {
    const raw = [
      "Host",
      "a.example",
      "X-One",
      "1",
      "Connection",
      "keep-alive, X-Two",
      "X-Two",
      "2",
      "Upgrade",
      "h2c",
      "Expect",
      "100-continue",
      "X-One",
      "1b",
    ];
    const out = upstreamRequestHeaders(raw, { host: "a.example", connection: "keep-alive, X-Two" }, facts);
    expect(out).toEqual([
      "Host",
      "a.example",
      "X-One",
      "1",
      "X-One",
      "1b",
      "x-forwarded-for",
      "192.0.2.9",
      "x-forwarded-proto",
      "https",
      "x-forwarded-host",
      "a.example",
      "x-real-ip",
      "192.0.2.9",
      "x-request-id",
      "rid",
    ]);
  });

  it("drops hop-by-hop response headers", () => {
    expect(
      clientResponseHeaders({
        "content-type": "text/plain",
        "transfer-encoding": "chunked",
        connection: "x-a",
        "x-a": "1",
        "set-cookie": ["a=1", "b=2"],
      }),
    ).toEqual({
      "content-type": "text/plain",
      "set-cookie": ["a=1", "b=2"],
    });
  });

  it.each([
    {
      name: "hop-by-hop and Connection-named headers dropped, duplicates kept as one entry",
      headers: {
        "content-type": "text/plain",
        connection: "keep-alive, X-A",
        "keep-alive": "timeout=5",
        "x-a": "1",
        "set-cookie": ["a=1", "b=2"],
      },
      via: undefined,
      requestId: undefined,
      list: ["content-type", "text/plain", "set-cookie", ["a=1", "b=2"]],
    },
    {
      name: "the upstream's X-Request-ID replaced by ours (one header, not two)",
      headers: { "x-request-id": "theirs", "content-length": "2" },
      via: undefined,
      requestId: "ours",
      list: ["content-length", "2", "x-request-id", "ours"],
    },
    {
      name: "the upstream's X-Request-ID kept when we give none",
      headers: { "x-request-id": "theirs" },
      via: undefined,
      requestId: undefined,
      list: ["x-request-id", "theirs"],
    },
    {
      name: "our Via appended after theirs",
      headers: { via: ["1.0 a", "1.1 b"], date: "d" },
      via: "1.1 gslb",
      requestId: "r",
      list: ["date", "d", "via", "1.0 a, 1.1 b, 1.1 gslb", "x-request-id", "r"],
    },
    {
      name: "their Via untouched without ours",
      headers: { via: "1.0 a" },
      via: undefined,
      requestId: undefined,
      list: ["via", "1.0 a"],
    },
  ])("response header list: $name", ({ headers, via, requestId, list }) => {
    expect(clientResponseHeaderList(headers, via, requestId)).toEqual(list);
  });

  it("a Connection value seen before still names its headers (the token cache returns the same answer)", () => {
    const headers = { connection: "close, X-Secret", "x-secret": "s", "x-open": "o" };
    expect(clientResponseHeaderList(headers)).toEqual(["x-open", "o"]);
    expect(clientResponseHeaderList(headers)).toEqual(["x-open", "o"]);
  });
});

describe("RetryBudget", () => {
  it.each([
    { active: 0, retries: 2, percent: 20, min: 3, allowed: true },
    { active: 0, retries: 3, percent: 20, min: 3, allowed: false },
    { active: 100, retries: 19, percent: 20, min: 3, allowed: true },
    { active: 100, retries: 20, percent: 20, min: 3, allowed: false },
    { active: 100, retries: 0, percent: 0, min: 0, allowed: false },
  ])(
    "$retries retries with $active active ($percent%, min $min) → $allowed",
    ({ active, retries, percent, min, allowed }) => {
      const budget = new RetryBudget(percent, min);
      budget.activeRequests = active;
      budget.activeRetries = retries;
      expect(budget.allowsRetry()).toBe(allowed);
    },
  );
});

describe("classifyError", () => {
  it.each([
    { code: "ECONNREFUSED", gone: false, kind: "connect_error" },
    { code: "UND_ERR_CONNECT_TIMEOUT", gone: false, kind: "timeout" },
    { code: "UND_ERR_HEADERS_TIMEOUT", gone: false, kind: "timeout" },
    { code: "UND_ERR_SOCKET", gone: false, kind: "reset" },
    { code: "ERR_TLS_CERT_ALTNAME_INVALID", gone: false, kind: "connect_error" },
    { code: "DEPTH_ZERO_SELF_SIGNED_CERT", gone: false, kind: "connect_error" },
    { code: "ECONNREFUSED", gone: true, kind: "client_abort" },
  ])("$code (client gone: $gone) → $kind", ({ code, gone, kind }) => {
    expect(classifyError(Object.assign(new Error("x"), { code }), gone).kind).toBe(kind);
  });
});

describe("cookieValue", () => {
  it.each([
    { header: "a=1; session=abc; b=2", name: "session", value: "abc" },
    { header: "sessionx=1", name: "session", value: undefined },
    { header: undefined, name: "session", value: undefined },
  ])("$name in $header → $value", ({ header, name, value }) => expect(cookieValue(header, name)).toBe(value));
});

describe("status page", () => {
  it("escapes upstream names and marks not-ready groups", () => {
    const html = renderStatusPage(
      {
        ready: false,
        healthy: 0,
        total: 1,
        capacity: 0,
        draining: false,
        groups: { "<g>": { healthy: 0, total: 1, capacity: 0, ready: false } },
      },
      [
        {
          id: "<x>",
          group: "<g>",
          state: "down",
          backup: false,
          weight: 1,
          effectiveWeight: 1,
          active: 0,
          ewmaMs: 0,
          ejections: 0,
        },
      ],
      new Date(0),
    );
    expect(html).toContain("&#60;x&#62;");
    expect(html).not.toContain("<x>");
    expect(html).toContain("NOT READY");
    expect(html).toContain("(not ready)");
    expect(escapeHtml(`"'&`)).toBe("&#34;&#39;&#38;");
  });
});
