#!/usr/bin/env bash
# Installs the Debian packages that are missing from deploy/apt-packages.txt (what placepix needs
# at run time: fonts for every script and emoji) and deploy/apt-packages-test.txt (wrk, nginx,
# chromium, mmdebstrap/buildah/podman for the container test, php-cli and Node for the token
# helpers in clients/). Used by `make test` and CI; safe to run again: it does nothing when
# everything is there. Other lists can be named as arguments (e.g. only the run-time one).
set -euo pipefail
cd "$(dirname "$0")/.."
lists=("$@")
[ ${#lists[@]} -eq 0 ] && lists=(deploy/apt-packages.txt deploy/apt-packages-test.txt)
# A line is a package name, optionally followed by `command:NAME`: then the package is skipped
# when that command is already there (npm comes with some nodejs builds, as a package with others).
missing=()
while read -r package extra _; do
  case "$package" in ''|\#*) continue ;; esac
  if [[ "$extra" == command:* ]] && command -v "${extra#command:}" >/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done < <(cat "${lists[@]}")
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "placepix: please install these packages (or their equivalents): ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "placepix: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
