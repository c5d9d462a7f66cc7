#!/usr/bin/env bash
# Writes the man page alsel.1 with help2man: the top-level --help, then every subcommand's
# --help in a SUBCOMMANDS section, then packaging/alsel.h2m (FILES, ENVIRONMENT, SEE ALSO).
# Run by the build (cmake/install.cmake) when help2man is installed.
#
#   packaging/make_manpage.sh BINARY OUT.1
set -euo pipefail
binary=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  echo "[SUBCOMMANDS]"
  for command in select score merge eval info convert strategies; do
    echo ".SS \"alsel $command\""
    echo ".nf"
    # roff: a leading . or ' starts a request and a backslash an escape; print them literally.
    "$binary" "$command" --help | sed -e "s|^Usage: $binary |Usage: alsel |" \
      -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    echo ".fi"
  done
  echo
  cat "$here/alsel.h2m"
} >"$include"
help2man --no-info --no-discard-stderr \
  --name "active-learning sample selection for named-entity recognition" \
  --include "$include" --output "$out.tmp" "$binary"
mv "$out.tmp" "$out"
