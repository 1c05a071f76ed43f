import { z } from "zod";
import { centroidOf, continentOf, type ContinentCode, CONTINENT_CODES } from "./countries.ts";

/** What the policies know about a network, whatever layout the database uses. Shared and frozen. */
export interface GeoInfo {
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string | null;
  readonly continent: ContinentCode | null;
  /** ISO 3166-2 code, country prefixed: "GB-ENG", "US-CA". */
  readonly subdivision: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  /** Where the coordinates come from: the database's own, or the country-centroid table. */
  readonly locationSource: "database" | "country-centroid" | null;
}

export const UNKNOWN_GEO: GeoInfo = Object.freeze({
  country: null,
  continent: null,
  subdivision: null,
  latitude: null,
  longitude: null,
  locationSource: null,
});

const isoCode = z.string().regex(/^[A-Za-z]{2}$/);
const nested = z.object({ iso_code: isoCode }).partial();
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

/**
 * Both layouts in one schema: GeoIP2/GeoLite2 (nested `country.iso_code`, `continent.code`, `subdivisions`,
 * `location`) and ip-location-db (flat `country_code`, `latitude`, `longitude`). Unknown keys are ignored.
 */
const recordSchema = z.object({
  country: nested.optional(),
  registered_country: nested.optional(),
  continent: z.object({ code: z.string() }).partial().optional(),
  subdivisions: z.array(z.object({ iso_code: z.string() }).partial()).optional(),
  location: z.object({ latitude, longitude }).partial().optional(),
  country_code: isoCode.optional(),
  latitude: latitude.optional(),
  longitude: longitude.optional(),
});

export function normaliseRecord(raw: unknown): GeoInfo {
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) return UNKNOWN_GEO;
  const r = parsed.data;
  const countryRaw = r.country?.iso_code ?? r.country_code ?? r.registered_country?.iso_code;
  const country = countryRaw === undefined ? null : countryRaw.toUpperCase();
  const continent = continentFrom(r.continent?.code, country);
  const sub = r.subdivisions?.[0]?.iso_code;
  const subdivision = sub === undefined || country === null ? null : `${country}-${sub.toUpperCase()}`;
  const lat = r.location?.latitude ?? r.latitude;
  const lon = r.location?.longitude ?? r.longitude;
  if (lat !== undefined && lon !== undefined) {
    return Object.freeze({
      country,
      continent,
      subdivision,
      latitude: lat,
      longitude: lon,
      locationSource: "database",
    });
  }
  const centroid = country === null ? null : centroidOf(country);
  return Object.freeze({
    country,
    continent,
    subdivision,
    latitude: centroid?.latitude ?? null,
    longitude: centroid?.longitude ?? null,
    locationSource: centroid === null ? null : "country-centroid",
  });
}

function continentFrom(code: string | undefined, country: string | null): ContinentCode | null {
  const upper = code?.toUpperCase();
  const known = CONTINENT_CODES.find((c) => c === upper);
  if (known !== undefined) return known;
  return country === null ? null : continentOf(country);
}
