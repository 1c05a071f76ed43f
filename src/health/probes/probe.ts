/**
 * A probe checks one address once (STYLE §1: a name and one method). The scheduler, the tracker and the
 * regional proxy's active health checks all speak this interface; each kind lives in its own file.
 *
 * `run` never throws: every failure is a typed result. The probe enforces its own check timeout; `signal`
 * only cancels (the scheduler stopping, the target being removed).
 */

/** What a probe may report, counted per outcome in `gslb_health_probe_results_total{outcome}`. */
export type ProbeOutcome = "ok" | "fail" | "timeout" | "error";

export interface ProbeResult {
  readonly ok: boolean;
  readonly outcome: ProbeOutcome;
  /** Time from start to verdict, when a round trip completed. */
  readonly rttMs: number | null;
  /** Human-readable why: "status 503 not in 200-399", "connect ECONNREFUSED", "ok". */
  readonly detail: string;
  /** Healthy backends behind a regional proxy (proxy probe only). */
  readonly healthy?: number;
}

/** Where to probe. The probe address may differ from the address served in answers (NAT, VIP). */
export interface ProbeTarget {
  /** IPv4/IPv6 literal (no brackets) or host name. */
  readonly host: string;
  /** Port from the probe address; when absent the check's port, else the kind's default. */
  readonly port?: number;
}

export interface Probe {
  readonly kind: string;
  run(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult>;
  /** Releases pooled resources (connection pools, sockets). */
  close?(): Promise<void>;
}

export function probeOk(rttMs: number, detail = "ok", healthy?: number): ProbeResult {
  return healthy === undefined
    ? { ok: true, outcome: "ok", rttMs, detail }
    : { ok: true, outcome: "ok", rttMs, detail, healthy };
}

export function probeFail(detail: string, rttMs: number | null = null): ProbeResult {
  return { ok: false, outcome: "fail", rttMs, detail };
}

export function probeTimeout(detail: string): ProbeResult {
  return { ok: false, outcome: "timeout", rttMs: null, detail };
}

export function probeError(detail: string): ProbeResult {
  return { ok: false, outcome: "error", rttMs: null, detail };
}

/** Maps a thrown error to a result: aborts by our timeout are timeouts, everything else is an error. */
export function probeErrorResult(error: unknown, timedOut: boolean, timeoutMs: number): ProbeResult {
  if (timedOut) return probeTimeout(`no answer within ${timeoutMs} ms`);
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return probeTimeout(`connect timeout: ${message}`);
  return probeError(code === "" ? message : `${code}: ${message}`);
}

/**
 * "10.0.0.1", "10.0.0.1:8080", "[2001:db8::1]:443", "2001:db8::1", "probe.example.net:80" → host and port.
 * Returns undefined for a malformed address.
 */
export function parseProbeAddress(address: string): ProbeTarget | undefined {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(address);
  if (bracketed !== null) return withPort(bracketed[1]!, bracketed[2]);
  if (address.split(":").length > 2) return /^[0-9a-fA-F:.]+$/.test(address) ? { host: address } : undefined;
  const hostPort = /^([A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(address);
  if (hostPort === null) return undefined;
  return withPort(hostPort[1]!, hostPort[2]);
}

function withPort(host: string, port: string | undefined): ProbeTarget | undefined {
  if (port === undefined) return { host };
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

/** "[::1]:80" style authority for URLs. */
export function authority(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A signal that fires on the caller's cancel or after `timeoutMs`, and tells which one happened. */
export function deadline(
  signal: AbortSignal,
  timeoutMs: number,
): { signal: AbortSignal; timedOut(): boolean } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([signal, timeout]), timedOut: () => timeout.aborted && !signal.aborted };
}
