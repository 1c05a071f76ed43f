import type { Outcome, Upstream } from "../upstream.ts";

/** Envoy-style outlier detection for one group (durations in ms). */
export interface OutlierPolicy {
  /** Consecutive 5xx / connect errors / timeouts that eject an upstream. 0 = off. */
  readonly consecutiveErrors: number;
  /** First ejection lasts this long; each further one multiplies it (backoff), up to `maxEjectionMs`. */
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /** At most this share of the group is ejected at once (at least one upstream may always be). */
  readonly maxEjectionPercent: number;
}

export type PassiveVerdict = "ok" | "failure" | "failed" | "ejected";

/** Failures that say the upstream (not the request) is sick: nginx's `error timeout http_502..504`. */
export function isGatewayFailure(outcome: Outcome): boolean {
  switch (outcome.kind) {
    case "connect_error":
    case "timeout":
    case "reset":
      return true;
    case "response":
      return outcome.status === 502 || outcome.status === 503 || outcome.status === 504;
    case "client_abort":
      return false;
  }
}

function isError(outcome: Outcome): boolean {
  return outcome.kind === "response" ? outcome.status >= 500 : isGatewayFailure(outcome);
}

/**
 * Applies one outcome to an upstream's passive health: nginx `max_fails`/`fail_timeout` on gateway failures,
 * and outlier ejection on consecutive errors. `ejectedNow` is how many upstreams of the group are ejected.
 */
export function recordOutcome(
  upstream: Upstream,
  outcome: Outcome,
  now: number,
  policy: OutlierPolicy,
  ejectedNow: number,
  groupSize: number,
): PassiveVerdict {
  if (outcome.kind === "client_abort") return "ok";
  if (!isError(outcome)) {
    upstream.consecutiveErrors = 0;
    upstream.fails = 0;
    return "ok";
  }
  let verdict: PassiveVerdict = "failure";
  if (isGatewayFailure(outcome) && countFail(upstream, now)) verdict = "failed";
  upstream.consecutiveErrors++;
  if (shouldEject(upstream, policy, ejectedNow, groupSize)) {
    eject(upstream, now, policy);
    verdict = "ejected";
  }
  return verdict;
}

function countFail(upstream: Upstream, now: number): boolean {
  const { maxFails, failTimeoutMs } = upstream.spec;
  if (maxFails <= 0) return false;
  if (upstream.fails === 0 || now - upstream.firstFailAt > failTimeoutMs) {
    upstream.fails = 0;
    upstream.firstFailAt = now;
  }
  upstream.fails++;
  if (upstream.fails < maxFails) return false;
  upstream.fails = 0;
  upstream.failedUntil = now + failTimeoutMs;
  return true;
}

function shouldEject(
  upstream: Upstream,
  policy: OutlierPolicy,
  ejectedNow: number,
  groupSize: number,
): boolean {
  if (policy.consecutiveErrors <= 0 || upstream.consecutiveErrors < policy.consecutiveErrors) return false;
  const cap = Math.max(1, Math.floor((groupSize * policy.maxEjectionPercent) / 100));
  return ejectedNow < cap;
}

function eject(upstream: Upstream, now: number, policy: OutlierPolicy): void {
  // Forgive earlier ejections once the upstream has stayed healthy as long as its last penalty lasted.
  if (upstream.ejections > 0 && now - upstream.ejectedUntil > policy.baseEjectionMs * upstream.ejections) {
    upstream.ejections = 0;
  }
  upstream.ejections++;
  upstream.ejectedUntil = now + Math.min(policy.baseEjectionMs * upstream.ejections, policy.maxEjectionMs);
  upstream.consecutiveErrors = 0;
}
