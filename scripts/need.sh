#!/usr/bin/env bash
# Sourced by the test and benchmark scripts: `need COMMAND [PACKAGE]` installs the Debian
# package (default: the command's name) with apt-get when the command is missing, so a fresh
# machine with only apt gets what the script needs.
need() {
  local command="$1" package="${2:-$1}"
  command -v "$command" >/dev/null 2>&1 && return 0
  echo "== installing $package (Debian package)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null
}
