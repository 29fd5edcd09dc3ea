#!/usr/bin/env bash
# Installs the system packages the build and tests need, when they are missing (Debian/Ubuntu).
# Idempotent: runs `apt-get update` at most once, and only if something must be installed.
set -euo pipefail

needed=()
want() { dpkg -s "$1" >/dev/null 2>&1 || needed+=("$1"); }
want libpng-dev
# libjpeg-turbo: Debian's libjpeg62-turbo-dev is Ubuntu's libjpeg-turbo8-dev. Its cjpeg (libjpeg-turbo-progs)
# writes the test JPEGs Pillow cannot (arithmetic coding, RGB, 4:1:1, many scans).
if grep -qiE '^ID(_LIKE)?=.*ubuntu' /etc/os-release 2>/dev/null; then want libjpeg-turbo8-dev; else want libjpeg62-turbo-dev; fi
want libjpeg-turbo-progs
want zlib1g-dev
want libssl-dev
want pkg-config
want python3
want curl
want openssl
for extra in "$@"; do want "$extra"; done

if [ ${#needed[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup-system: missing ${needed[*]} and no apt-get here; install them with your package manager" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup-system: installing ${needed[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${needed[@]}"
fi

command -v swift >/dev/null 2>&1 || { echo "setup-system: Swift 6 toolchain not found on PATH (https://www.swift.org/install)" >&2; exit 1; }
