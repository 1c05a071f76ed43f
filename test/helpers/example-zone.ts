/** The small example.com. zone the listener and parity tests serve, as a gslb YAML file and as an RFC 1035 master file. */

export const EXAMPLE_ZONE_YAML = `zone: example.com.
ttl: 300
records:
  "@":
    SOA: ns1 hostmaster 1 3600 600 86400 300
    NS: ns1
  ns1:
    A: 192.0.2.1
  www:
    A: 192.0.2.10
`;

export const EXAMPLE_ZONE_MASTER = `$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster 1 3600 600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.10
`;
