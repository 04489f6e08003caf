#!/usr/bin/env bash
# Time from `git clone` to the first page, as a newcomer meets it: clone, then what `make run`
# does step by step (install, migrate with static files and translations, demo, start), until the
# sign-in page answers. Prints the seconds of each step and the demo's time per app.
#
#   bash bench/first_start.sh [REPOSITORY] [PORT]     (default: this checkout, port 8159)
#
# It works in a temporary folder and stops the server it started; pip uses its usual cache.
set -euo pipefail
repo=${1:-$(git rev-parse --show-toplevel)}
port=${2:-8159}
work=$(mktemp -d)
cleanup() {
  if [ -f "$work/pid" ]; then kill -TERM "$(cat "$work/pid")" 2>/dev/null || true; sleep 3; fi
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
step() { printf '  %-34s %6.1f s\n' "$1" "$(echo "$3 - $2" | bc)"; }

t0=$(now)
git clone -q "$repo" "$work/diemcau"
cd "$work/diemcau"
t1=$(now)
make install >"$work/install.log" 2>&1
t2=$(now)
make migrate >"$work/migrate.log" 2>&1
t3=$(now)
# What `make demo` adds to `make migrate` (make would run the migrate recipe again).
.venv/bin/diemcau demo --if-empty --i-know >"$work/demo.log" 2>&1
t4=$(now)
(.venv/bin/diemcau run --port "$port" >"$work/run.log" 2>&1 & echo $! >"$work/pid")
until curl -sf -o /dev/null "http://127.0.0.1:$port/accounts/login/"; do
  sleep 0.2
  if [ "$(echo "$(now) - $t4 > 120" | bc)" = 1 ]; then echo "the server did not answer in 120 s"; tail "$work/run.log"; exit 1; fi
done
t5=$(now)
echo "from git clone to the first page ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)):"
step "git clone" "$t0" "$t1"
step "make install (venv, pip)" "$t1" "$t2"
step "make migrate (+ messages, static)" "$t2" "$t3"
step "make demo (the demo itself)" "$t3" "$t4"
step "diemcau run → sign-in page answers" "$t4" "$t5"
step "total" "$t0" "$t5"
echo "the demo, per app:"
grep -E '^· |^  \([0-9.]+ s|^demo loaded' "$work/demo.log" | sed 's/^/  /'
