#!/usr/bin/env bash
# Builds a peer prover once, outside the repository, and prints the folder it
# lives in (the last line of standard output; progress goes to standard error).
#
#   bash scripts/peer-build.sh circom       # circom 2 + snarkjs, from shared/peer/circom (3-5 min)
#   bash scripts/peer-build.sh rapidsnark   # iden3's C++ prover, from shared/peer/rapidsnark (~30 s)
#
# Environment:
#   PEER_DIR          the circom peer's sources (default: ../shared/peer/circom beside the repo)
#   RAPIDSNARK_DIR    rapidsnark's sources (default: ../shared/peer/rapidsnark beside the repo)
#   TACIT_PEER_CACHE  where builds are kept (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tacit-peer),
#                     one folder per hash of the peer's files and the tools that build it
#
# Nothing is copied into the repository. rapidsnark needs Debian's cmake, nasm,
# g++, m4, libgmp-dev and libsodium-dev: this script names the ones missing
# and, run as root, installs exactly those with apt-get (it says so first);
# otherwise it prints the apt-get command and stops.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${TACIT_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tacit-peer}
say() { echo "$*" >&2; }
die() { say "peer-build: $*"; exit 1; }

# key DIR EXTRA: a 16-hex hash of every source file under DIR (not what its
# build generates) and of EXTRA (tool versions).
source_files() {
  (cd "$1" && find . -type f ! -path './node_modules/*' ! -path './build/*' ! -path './results/*' -print0 | sort -z)
}
key() {
  { source_files "$1" | (cd "$1" && xargs -0 sha256sum); echo "$2"; } | sha256sum | cut -c1-16
}

# publish STAGE DEST: move a finished build into place (another run may have
# got there first, then keep theirs).
publish() {
  touch "$1/.complete"
  rm -rf "$2"
  mv -T "$1" "$2" 2>/dev/null || rm -rf "$1"
}

circom() {
  local src=${PEER_DIR:-$ROOT/../shared/peer/circom}
  [ -f "$src/run.sh" ] || die "no circom peer at $src (set PEER_DIR)"
  command -v node >/dev/null && command -v npm >/dev/null || die "missing: node >= 18 and npm (Debian: apt-get install nodejs npm)"
  src=$(realpath "$src")
  local k dest stage
  k=$(key "$src" "$(node -v)")
  dest=$CACHE/$k
  if [ -f "$dest/.complete" ]; then
    say "== reusing the circom peer built in $dest"
  else
    say "== building the circom peer into $dest (once per version of its files; 3-5 min)"
    mkdir -p "$CACHE"
    stage=$(mktemp -d "$CACHE/.build-$k.XXXXXX")
    source_files "$src" | (cd "$src" && xargs -0 cp --parents -t "$stage")
    chmod -R u+w "$stage"
    # Its own steps; RUNS/ITERS=1 keeps its own timing loops short. The log
    # stays beside the build for anyone who wants the versions and sizes.
    if ! (cd "$stage" && RUNS=1 ITERS=1 bash ./run.sh) >"$stage/build.log" 2>&1; then
      say "peer-build: the circom peer's run.sh failed; last lines of $stage/build.log:"
      tail -n 30 "$stage/build.log" >&2
      exit 1
    fi
    publish "$stage" "$dest"
  fi
  echo "$dest"
}

# rapidsnark_deps: the Debian packages its build.sh needs, installed only if
# missing and only when run as root (the same list build.sh checks).
rapidsnark_deps() {
  local pk=() c
  for c in cmake nasm m4; do command -v $c >/dev/null || pk+=($c); done
  command -v g++ >/dev/null || pk+=(g++)
  command -v make >/dev/null || pk+=(make)
  [ -f /usr/include/gmp.h ] || [ -f /usr/include/x86_64-linux-gnu/gmp.h ] || pk+=(libgmp-dev)
  [ -f /usr/include/sodium.h ] || pk+=(libsodium-dev)
  command -v node >/dev/null && command -v npm >/dev/null || die "missing: node and npm (rapidsnark's ffiasm generates its field arithmetic with node)"
  ((${#pk[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    die "rapidsnark's build needs Debian packages that are missing: ${pk[*]}; run: sudo apt-get install -y ${pk[*]}"
  fi
  say "== rapidsnark's build needs Debian packages that are missing; installing exactly these: ${pk[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pk[@]}" >/dev/null
  say "   installed: $(dpkg-query -W -f='${Package}=${Version} ' "${pk[@]}")"
}

rapidsnark() {
  local src=${RAPIDSNARK_DIR:-$ROOT/../shared/peer/rapidsnark}
  [ -f "$src/build.sh" ] || die "no rapidsnark peer at $src (set RAPIDSNARK_DIR)"
  src=$(realpath "$src")
  rapidsnark_deps
  local k dest
  # The compilers are part of the key: a new g++ or nasm is a new build.
  k=$(key "$src" "$(node -v) $(g++ -dumpfullversion) $(nasm -v) $(cmake --version | head -n 1)")
  dest=$CACHE/rapidsnark-$k
  if [ -f "$dest/.complete" ]; then
    say "== reusing rapidsnark built in $dest"
  else
    # Built in place (cmake writes absolute paths), so a half-finished folder
    # without .complete is removed and rebuilt.
    say "== building rapidsnark into $dest (once per version of its files; ~30 s on 2 cores)"
    rm -rf "$dest"
    mkdir -p "$dest"
    if ! OUT=$dest bash "$src/build.sh" >"$dest/build.log" 2>&1; then
      say "peer-build: rapidsnark's build.sh failed; last lines of $dest/build.log (and $dest/make.log):"
      tail -n 30 "$dest/build.log" >&2
      exit 1
    fi
    touch "$dest/.complete"
  fi
  [ -x "$dest/rapidsnark/build_prover/src/prover" ] || die "the rapidsnark build in $dest lacks its prover; remove $dest and rerun"
  echo "$dest"
}

case ${1:-} in
circom) circom ;;
rapidsnark) rapidsnark ;;
*) say "usage: bash scripts/peer-build.sh circom|rapidsnark"; exit 2 ;;
esac
