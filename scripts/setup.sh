#!/usr/bin/env bash
# Installs the Debian packages Garrison's build, tests and examples need. Idempotent; run as root.
set -euo pipefail
PKGS=(pkg-config libseccomp-dev libcap-dev libapparmor-dev libselinux1-dev libpcre2-dev libyaml-dev
      busybox-static crun runc apparmor iproute2 python3-jsonschema hyperfine
      gcc libc6-dev linux-libc-dev)  # gcc + kernel headers: the seccomp real-kernel probe in GarrisonSeccompTests
missing=()
PKGS+=(chromium)  # headless rendering of the HTML audit report in GarrisonAuditTests
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
