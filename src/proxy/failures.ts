/**
 * Every way a proxied request can fail without an upstream response, and the one place that maps them to
 * the status the client sees (nginx's choices: refused/reset → 502, timeout → 504, nothing to send to → 503).
 */
import type { ServerResponse } from "node:http";
import type { Outcome } from "./upstream.ts";

export type FailureKind =
  "no_route" | "no_upstream" | "connect_error" | "reset" | "timeout" | "bad_request" | "shutting_down";

export const FAILURE_STATUS: Readonly<Record<FailureKind, number>> = {
  no_route: 404,
  no_upstream: 503,
  connect_error: 502,
  reset: 502,
  timeout: 504,
  bad_request: 400,
  shutting_down: 503,
};

const FAILURE_TEXT: Readonly<Record<FailureKind, string>> = {
  no_route: "no route for this host and path",
  no_upstream: "no upstream available",
  connect_error: "upstream refused or unreachable",
  reset: "upstream closed the connection",
  timeout: "upstream timed out",
  bad_request: "bad request",
  shutting_down: "proxy is shutting down",
};

export function sendFailure(res: ServerResponse, kind: FailureKind, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${FAILURE_STATUS[kind]} ${FAILURE_TEXT[kind]} (request ${requestId})\n`;
  res.writeHead(FAILURE_STATUS[kind], {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId,
  });
  res.end(body);
}

/** Failures before a byte of the request left: refused, unreachable, unresolvable, or a certificate we refuse. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

/** An undici error as an attempt outcome. `clientGone` wins: the abort was ours. */
export function classifyError(error: unknown, clientGone: boolean): Outcome {
  if (clientGone) return { kind: "client_abort" };
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  if (CONNECT_CODES.has(code)) return { kind: "connect_error" };
  if (TIMEOUT_CODES.has(code)) return { kind: "timeout" };
  return { kind: "reset" };
}

export function failureOf(outcome: Outcome): FailureKind {
  switch (outcome.kind) {
    case "connect_error":
      return "connect_error";
    case "timeout":
      return "timeout";
    case "reset":
    case "client_abort":
    case "response":
      return "reset";
  }
}
