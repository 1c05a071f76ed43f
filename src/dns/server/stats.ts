/** Per-answer counters of the query handler: plain numbers bumped on the hot path, exported by metrics. */
export interface AnswerStats {
  queries: number;
  /** Indexed by rcode (0..23; BADVERS = 16). */
  readonly responsesByRcode: Float64Array;
  truncated: number;
  dropped: number;
  ednsQueries: number;
  ecsQueries: number;
  chaosQueries: number;
}

export function newAnswerStats(): AnswerStats {
  return {
    queries: 0,
    responsesByRcode: new Float64Array(24),
    truncated: 0,
    dropped: 0,
    ednsQueries: 0,
    ecsQueries: 0,
    chaosQueries: 0,
  };
}

export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  16: "BADVERS",
};
