#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use (real DNS peers and clients), only when missing.
# Usage: scripts/install-debian-tools.sh [test|bench|proxy-bench]
set -euo pipefail
kind=${1:-test}
# command → Debian package. `test` covers every test of `make test` (real DNS peers and clients, openssl for
# TLS fixtures, Chromium for the proxy status page rendered by playwright-core).
declare -A cmd_pkg=(
  [dig]=bind9-dnsutils [kdig]=knot-dnsutils [knotd]=knot [nsd]=nsd [unbound]=unbound [openssl]=openssl
  [chromium]=chromium [taskset]=util-linux
)
case "$kind" in
  test) ;;
  bench) cmd_pkg[dnsperf]=dnsperf ;;
  proxy-bench) cmd_pkg[wrk]=wrk; cmd_pkg[nginx]=nginx ;;
  *) echo "usage: $0 [test|bench|proxy-bench]" >&2; exit 2 ;;
esac
missing=()
for c in "${!cmd_pkg[@]}"; do
  command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing+=("${cmd_pkg[$c]}")
done
# dnspython, the independent decoder the codec and conformance tests check against (Debian's python3).
/usr/bin/python3 -c 'import dns.message' >/dev/null 2>&1 || missing+=(python3-dnspython)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-debian-tools: installing ${missing[*]}" >&2
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
