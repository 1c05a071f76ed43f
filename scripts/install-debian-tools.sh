#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use (real DNS peers and clients), only when missing.
# Usage: scripts/install-debian-tools.sh [test|bench|proxy-bench|e2e]
set -euo pipefail
kind=${1:-test}
declare -A cmd_pkg=(
  [dig]=bind9-dnsutils [kdig]=knot-dnsutils [knotd]=knot [nsd]=nsd [unbound]=unbound
)
case "$kind" in
  bench) cmd_pkg[dnsperf]=dnsperf ;;
  proxy-bench) cmd_pkg[wrk]=wrk; cmd_pkg[nginx]=nginx ;;
  e2e) cmd_pkg[chromium]=chromium ;;
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
