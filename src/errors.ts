/**
 * The one error base class of gslb. Every error thrown across a module boundary is a GslbError with a
 * stable `code` (scripts match on it) and a message that carries its context, e.g.
 * `zones/example.yaml:12: records.www.A: unknown policy "eu-weighted"`.
 * The hot path does not throw: it returns typed outcomes.
 */
export const ErrorCodes = {
  ZONE_INVALID: "GSLB_ERR_ZONE_INVALID",
  ZONE_IO: "GSLB_ERR_ZONE_IO",
  CONFIG_INVALID: "GSLB_ERR_CONFIG_INVALID",
  IMPORT_SYNTAX: "GSLB_ERR_IMPORT_SYNTAX",
  GEOIP_MISSING: "GSLB_ERR_GEOIP_MISSING",
  GEOIP_CORRUPT: "GSLB_ERR_GEOIP_CORRUPT",
  BIND_FAILED: "GSLB_ERR_BIND_FAILED",
  USAGE: "GSLB_ERR_USAGE",
  PROBE_CONFIG: "GSLB_ERR_PROBE_CONFIG",
  DRILL_INVALID: "GSLB_ERR_DRILL_INVALID",
  OVERRIDE_INVALID: "GSLB_ERR_OVERRIDE_INVALID",
  PROXY_CONFIG: "GSLB_ERR_PROXY_CONFIG",
  STATE_FILE: "GSLB_ERR_STATE_FILE",
  ADMIN_REQUEST: "GSLB_ERR_ADMIN_REQUEST",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class GslbError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GslbError";
    this.code = code;
  }
}

/** One located problem in an input file: `file:line: path: reason`. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly reason: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.path === "" ? "(root)" : p.path}: ${p.reason}`;
}

/** An input rejected with every problem found in it (zone files, drills, proxy config). */
export class InputError extends GslbError {
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, problems: readonly Problem[]) {
    super(code, problems.map(formatProblem).join("\n"));
    this.name = "InputError";
    this.problems = problems;
  }
}
