/**
 * Per-upstream request tallies: plain numbers bumped on the hot path (no label lookup, no allocation), read
 * by prom-client only at scrape time. prom-client's own `labels().observe()` hashes the label set on every
 * call; at tens of thousands of requests a second that showed up in profiles.
 */
import { Histogram, type Aggregator, type Registry } from "prom-client";

/** Responses and latency of one upstream of one group. */
export class AttemptTally {
  readonly group: string;
  readonly upstream: string;
  /** Responses by status class: index 2 counts 2xx, and so on (0–9, so an odd status cannot fall out). */
  readonly classes = new Float64Array(10);
  /** Observations per latency bucket, not cumulative; the last slot is +Inf. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;
  /** Failed attempts by kind (connect_error, timeout, reset, client_abort). */
  readonly errors = new Map<string, number>();
  /** Passive-health removals. */
  ejections = 0;
  private readonly bounds: readonly number[];

  constructor(group: string, upstream: string, bounds: readonly number[]) {
    this.group = group;
    this.upstream = upstream;
    this.bounds = bounds;
    this.buckets = new Float64Array(bounds.length + 1);
  }

  response(status: number, seconds: number): void {
    this.classes[Math.min(9, Math.max(0, Math.floor(status / 100)))]!++;
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }

  error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }
}

/** One exported sample, in the shape prom-client's registry formats (`le` first, then the shared labels). */
interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: Record<string, string>;
  readonly value: number;
}

interface Exported {
  readonly name: string;
  readonly help: string;
  readonly type: "histogram";
  readonly values: Sample[];
  readonly aggregator: Aggregator;
}

/**
 * A prom-client histogram whose data lives in `AttemptTally` objects. It exports exactly what a prom-client
 * `Histogram` with the same observations would (cumulative `_bucket` series, `+Inf`, `_sum`, `_count`).
 */
export class TallyHistogram extends Histogram<"group" | "upstream"> {
  private readonly exportName: string;
  private readonly exportHelp: string;
  private readonly bounds: readonly number[];
  private readonly tallies: () => Iterable<AttemptTally>;

  constructor(
    config: { name: string; help: string; bounds: readonly number[]; registry: Registry },
    tallies: () => Iterable<AttemptTally>,
  ) {
    super({
      name: config.name,
      help: config.help,
      labelNames: ["group", "upstream"],
      buckets: [...config.bounds],
      registers: [config.registry],
    });
    this.exportName = config.name;
    this.exportHelp = config.help;
    this.bounds = config.bounds;
    this.tallies = tallies;
  }

  /** What the registry reads for the text format (`get()`, for JSON, splays the labels of this). */
  async getForPromString(): Promise<Exported> {
    const values: Sample[] = [];
    const bucket = `${this.exportName}_bucket`;
    for (const tally of this.tallies()) {
      if (tally.count === 0) continue;
      const shared = { group: tally.group, upstream: tally.upstream };
      let cumulative = 0;
      for (const [i, bound] of this.bounds.entries()) {
        cumulative += tally.buckets[i]!;
        values.push({ metricName: bucket, labels: { le: bound }, sharedLabels: shared, value: cumulative });
      }
      values.push({ metricName: bucket, labels: { le: "+Inf" }, sharedLabels: shared, value: tally.count });
      values.push({
        metricName: `${this.exportName}_sum`,
        labels: {},
        sharedLabels: shared,
        value: tally.sum,
      });
      values.push({
        metricName: `${this.exportName}_count`,
        labels: {},
        sharedLabels: shared,
        value: tally.count,
      });
    }
    return { name: this.exportName, help: this.exportHelp, type: "histogram", values, aggregator: "sum" };
  }
}
