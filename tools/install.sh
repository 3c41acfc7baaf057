#!/bin/sh
# Set up renewfin on Debian or Ubuntu, from a fresh machine: the system packages it needs,
# then a virtual environment .venv in the repository with renewfin installed in it.
#
#   sh tools/install.sh           renewfin itself (python3-venv; pip install -e .)
#   sh tools/install.sh --tests   and everything the test suite needs: LibreOffice Calc
#                                 (recalculates the workbooks) and Writer (opens the Word
#                                 report), poppler (reads and renders the PDF reports),
#                                 Chromium (renders the reports) and its driver (drives the
#                                 web app in the end-to-end tests), the Noto CJK fonts
#                                 (report charts); pip install -e '.[test]'
#
# Packages already installed are not touched; apt-get runs (through sudo when not root)
# only for missing ones. Exit status 2: bad usage; 3: a requirement cannot be installed.
set -eu
cd "$(dirname "$0")/.."

extra=""
packages="python3-venv"
case "${1-}" in
  "") ;;
  --tests)
    extra="[test]"
    packages="$packages libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils chromium"
    packages="$packages chromium-driver fonts-noto-cjk"
    ;;
  *)
    echo "usage: sh tools/install.sh [--tests]" >&2
    exit 2
    ;;
esac

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "renewfin needs Python >= 3.11 as python3 (Debian 12, Ubuntu 24.04 or later)" >&2
  exit 3
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "not a Debian system: install these packages (or their equivalents) first:$missing" >&2
    exit 3
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  echo "installing system packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  # shellcheck disable=SC2086  # one word per package
  $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e ".$extra"
