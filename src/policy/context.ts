import type { ClientAddress } from "../geo/client.ts";
import type { GeoLookup, GeoResult } from "../geo/reader.ts";
import type { HealthView } from "../health/table.ts";
import type { Trace } from "./trace.ts";
import type { RandomSource, ResolveContext } from "./types.ts";

/** The per-query context: one object, GeoIP looked up at most once and only when a policy asks. */
export class QueryContext implements ResolveContext {
  readonly client: ClientAddress;
  readonly health: HealthView;
  readonly random: RandomSource;
  readonly trace: Trace | null;
  private readonly lookup: GeoLookup;
  private memo: GeoResult | null = null;

  constructor(
    client: ClientAddress,
    geo: GeoLookup,
    health: HealthView,
    random: RandomSource = Math.random,
    trace: Trace | null = null,
  ) {
    this.client = client;
    this.lookup = geo;
    this.health = health;
    this.random = random;
    this.trace = trace;
  }

  geo(): GeoResult {
    if (this.memo === null) {
      this.memo = this.lookup.lookup(this.client);
      this.trace?.add("geoip", "geoip", {
        client: `${this.client.text}/${this.client.sourcePrefix}`,
        country: this.memo.info.country,
        continent: this.memo.info.continent,
        subdivision: this.memo.info.subdivision,
        latitude: this.memo.info.latitude,
        longitude: this.memo.info.longitude,
        location: this.memo.info.locationSource,
        prefix: this.memo.prefixLength,
      });
    }
    return this.memo;
  }
}
