/**
 * X-Request-ID values: UUID-shaped (version 4 and variant bits set) from 74 random bits drawn once per process
 * and a 48-bit counter, so ids are unique across a fleet without a random draw per request.
 */
import { randomBytes } from "node:crypto";

export type RequestIdSource = () => string;

export function createRequestIds(random: Buffer = randomBytes(10)): RequestIdSource {
  const hex = random.toString("hex").padEnd(20, "0");
  const variant = ((parseInt(hex[15]!, 16) & 0x3) | 0x8).toString(16);
  const prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-${variant}${hex.slice(16, 19)}-`;
  let counter = 0;
  return () => {
    counter = counter === 0xffffffffffff ? 1 : counter + 1;
    return prefix + counter.toString(16).padStart(12, "0");
  };
}
