import { readFileSync, type Stats, unwatchFile, watchFile } from "node:fs";
import { createRequire } from "node:module";
import { Reader } from "maxmind";
import { ErrorCodes, GslbError } from "../errors.ts";
import type { ClientAddress } from "./client.ts";
import { type GeoInfo, normaliseRecord, UNKNOWN_GEO } from "./record.ts";

/** The GeoIP answer for one client: what is known about its network, and that network's prefix length. */
export interface GeoResult {
  readonly info: GeoInfo;
  /** Length of the database network holding the client: the natural ECS scope of a geo decision. */
  readonly prefixLength: number;
}

/** What policies need from GeoIP; tests may pass a fake. */
export interface GeoLookup {
  lookup(client: ClientAddress): GeoResult;
}

export interface GeoMetadata {
  readonly file: string;
  readonly ipVersion: 4 | 6;
  readonly databaseType: string;
  readonly buildEpoch: Date;
}

export interface GeoReaderOptions {
  /** Reload when the file changes (default true). */
  readonly watch?: boolean;
  /** Poll interval of the watcher in ms (default 2000). */
  readonly watchIntervalMs?: number;
  /** Told after every reload attempt: null when the new file serves, else why the old one keeps serving. */
  readonly onReload?: (error: GslbError | null) => void;
}

export const DEFAULT_DATABASE_PACKAGE = "@ip-location-db/geo-whois-asn-country-mmdb";
const DEFAULT_DATABASE_FILE = "geo-whois-asn-country.mmdb";
const NOT_FOUND_V6_IN_V4: GeoResult = Object.freeze({ info: UNKNOWN_GEO, prefixLength: 0 });

/** The bundled database, found through the package resolver so no configuration is needed. */
export function defaultDatabasePath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`${DEFAULT_DATABASE_PACKAGE}/${DEFAULT_DATABASE_FILE}`);
}

interface Loaded {
  readonly reader: Reader<Record<string, unknown>>;
  readonly metadata: GeoMetadata;
  readonly infos: WeakMap<object, GeoInfo>;
}

/** Bounded decode cache for mmdb-lib: plain Map, emptied when full (records are few and small). */
class DecodeCache {
  private readonly entries = new Map<string | number, unknown>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string | number): unknown {
    return this.entries.get(key);
  }
  set(key: string | number, value: unknown): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, value);
  }
}

function load(file: string): Loaded {
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch (cause) {
    throw new GslbError(
      ErrorCodes.GEOIP_MISSING,
      `GeoIP database ${file} cannot be read (${(cause as Error).message}): pass an MMDB file with --geoip FILE, ` +
        `or reinstall the bundled one with \`npm ci\` (package ${DEFAULT_DATABASE_PACKAGE})`,
      { cause },
    );
  }
  try {
    const reader = new Reader<Record<string, unknown>>(buffer, { cache: new DecodeCache(50_000) });
    const meta = reader.metadata;
    if (meta.ipVersion !== 4 && meta.ipVersion !== 6) throw new Error(`ip_version ${meta.ipVersion}`);
    if (![24, 28, 32].includes(meta.recordSize)) throw new Error(`record_size ${meta.recordSize}`);
    if (meta.searchTreeSize + 16 > buffer.length) throw new Error("search tree larger than the file");
    reader.getWithPrefixLength("1.1.1.1");
    if (meta.ipVersion === 6) reader.getWithPrefixLength("2001:db8::1");
    const metadata: GeoMetadata = Object.freeze({
      file,
      ipVersion: meta.ipVersion,
      databaseType: meta.databaseType,
      buildEpoch: meta.buildEpoch,
    });
    return { reader, metadata, infos: new WeakMap() };
  } catch (cause) {
    throw new GslbError(
      ErrorCodes.GEOIP_CORRUPT,
      `GeoIP database ${file} is not a valid MaxMind DB file (${(cause as Error).message}): pass a GeoIP2/GeoLite2 ` +
        `or ip-location-db .mmdb file with --geoip FILE, or reinstall the bundled one with \`npm ci\``,
      { cause },
    );
  }
}

export class GeoReader implements GeoLookup {
  readonly file: string;
  private current: Loaded;
  private readonly listener: ((now: Stats, before: Stats) => void) | null;

  private constructor(file: string, loaded: Loaded, options: GeoReaderOptions) {
    this.file = file;
    this.current = loaded;
    this.listener = null;
    if (options.watch ?? true) {
      this.listener = (now, before) => {
        if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
        options.onReload?.(this.reload());
      };
      watchFile(file, { persistent: false, interval: options.watchIntervalMs ?? 2000 }, this.listener);
    }
  }

  /** Opens and checks `file`; throws GslbError GEOIP_MISSING or GEOIP_CORRUPT naming the file and the fix. */
  static open(file: string, options: GeoReaderOptions = {}): GeoReader {
    return new GeoReader(file, load(file), options);
  }

  static openDefault(options: GeoReaderOptions = {}): GeoReader {
    return GeoReader.open(defaultDatabasePath(), options);
  }

  get metadata(): GeoMetadata {
    return this.current.metadata;
  }

  /** Re-reads the file now; on failure the old database keeps serving and the error is returned. */
  reload(): GslbError | null {
    try {
      this.current = load(this.file);
      return null;
    } catch (error) {
      if (error instanceof GslbError) return error;
      throw error;
    }
  }

  lookup(client: ClientAddress): GeoResult {
    return this.lookupText(client.family, client.text);
  }

  /** `address` must be normalised (no `::ffff:` mapping): use clientAddress()/clientFromText(). */
  lookupText(family: 4 | 6, address: string): GeoResult {
    const loaded = this.current;
    if (family === 6 && loaded.metadata.ipVersion === 4) return NOT_FOUND_V6_IN_V4;
    let found: [Record<string, unknown> | null, number];
    try {
      found = loaded.reader.getWithPrefixLength(address);
    } catch {
      return NOT_FOUND_V6_IN_V4; // a damaged tree: answer as unknown rather than throw on the query path
    }
    const [record, prefixLength] = found;
    if (record === null) return { info: UNKNOWN_GEO, prefixLength };
    let info = loaded.infos.get(record);
    if (info === undefined) {
      info = normaliseRecord(record);
      loaded.infos.set(record, info);
    }
    return { info, prefixLength };
  }

  close(): void {
    if (this.listener !== null) unwatchFile(this.file, this.listener);
  }
}
