#!/usr/bin/env bash
# Benchmarks `garrison lint` against checkov on the same generated pods, in the same run: interleaved rounds, each
# running garrison (text report) and then checkov over the same files. Prints every round and the medians of
# garrison's wall time, CPU time (user + sys) per pod and max RSS, checkov's wall time and max RSS, and the ratio
# checkov wall / garrison wall. Then garrison's CPU and max RSS for text, JSON and SARIF at N and 10×N pods (memory
# should stay flat as the pod count grows).
# checkov runs with --skip-download (no network requests). It is found as $CHECKOV, on PATH, or in a venv under
# /var/tmp (pip install checkov into a venv there; never into the repository).
# Usage: bench/lint/run.sh [N]   (from the repository root; N defaults to 1000; ROUNDS=3; BIN=path/to/garrison)
set -euo pipefail
N="${1:-1000}"
ROUNDS="${ROUNDS:-3}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /var/tmp/garrison-lint-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

BIN="${BIN:-}"
if [ -z "$BIN" ]; then
  for b in "$ROOT/.build-release/release/garrison" "$ROOT/.build/release/garrison"; do
    if [ -x "$b" ]; then BIN="$b"; break; fi
  done
fi
if [ -z "$BIN" ]; then
  (cd "$ROOT" && swift build -c release --scratch-path .build-release --product garrison)
  BIN="$ROOT/.build-release/release/garrison"
fi
CHECKOV="${CHECKOV:-$(command -v checkov || true)}"
if [ -z "$CHECKOV" ]; then
  CHECKOV="$(ls /var/tmp/*/bin/checkov /var/tmp/*/*/bin/checkov 2>/dev/null | head -n 1 || true)"
fi
export GARRISON_POLICIES="$ROOT/Policies"

python3 "$ROOT/bench/lint/gen_pods.py" "$WORK/pods" "$N" >/dev/null
python3 "$ROOT/bench/lint/gen_pods.py" "$WORK/pods10" "$((N * 10))" >/dev/null
echo "input: $N pods, $(du -sh "$WORK/pods" | cut -f1), $(ls "$WORK/pods" | wc -l) files"
echo "machine: $(nproc) cores, $(uname -r), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "garrison: $BIN"
"$BIN" lint --fail-on none --format json "$WORK/pods" |
  python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; s.pop("files"); print("garrison summary:", s)'
if [ -n "$CHECKOV" ]; then
  echo "checkov: $CHECKOV $("$CHECKOV" --version 2>/dev/null)"
else
  echo "checkov: not found (pip install checkov into a venv under /var/tmp, or set CHECKOV): only garrison is measured"
fi

# measure NAME OUTFILE command...: one run; appends "wall user sys maxrss_kib" to OUTFILE.
measure() {
  local out="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$@" >/dev/null 2>&1 || true
  tail -n 1 "$WORK/t" >>"$out"
}

echo
echo "| round | garrison wall [s] | garrison CPU [s] | CPU per pod [ms] | garrison max RSS [MB] | checkov wall [s] | checkov max RSS [MB] | wall ratio |"
echo "|---|---|---|---|---|---|---|---|"
: >"$WORK/g"
: >"$WORK/c"
"$BIN" lint --fail-on none "$WORK/pods" >/dev/null # warm the page cache
for r in $(seq "$ROUNDS"); do
  measure "$WORK/g" "$BIN" lint --fail-on none "$WORK/pods"
  if [ -n "$CHECKOV" ]; then
    measure "$WORK/c" "$CHECKOV" -d "$WORK/pods" --framework kubernetes --skip-download --quiet --compact --soft-fail
  fi
  read -r gw gu gs gm < <(tail -n 1 "$WORK/g")
  if [ -n "$CHECKOV" ]; then read -r cw cu cs cm < <(tail -n 1 "$WORK/c"); else cw=""; cm=""; fi
  python3 - "$r" "$N" "$gw" "$gu" "$gs" "$gm" "$cw" "$cm" <<'EOF'
import sys
r, n, gw, gu, gs, gm, cw, cm = sys.argv[1:]
gw, cpu = float(gw), float(gu) + float(gs)
row = [r, f"{gw:.3f}", f"{cpu:.3f}", f"{1000 * cpu / int(n):.3f}", f"{int(gm) / 1024:.0f}"]
row += [f"{float(cw):.1f}", f"{int(cm) / 1024:.0f}", f"{float(cw) / gw:.0f}×"] if cw else ["-", "-", "-"]
print("| " + " | ".join(row) + " |")
EOF
done
python3 - "$N" "$WORK/g" "$WORK/c" <<'EOF'
import statistics, sys
n = int(sys.argv[1])
g = [list(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
c = [list(map(float, l.split())) for l in open(sys.argv[3]) if l.strip()]
med = statistics.median
gw, cpu, gm = med(x[0] for x in g), med(x[1] + x[2] for x in g), med(x[3] for x in g)
row = ["median", f"{gw:.3f}", f"{cpu:.3f}", f"{1000 * cpu / n:.3f}", f"{gm / 1024:.0f}"]
if c:
    cw, cm = med(x[0] for x in c), med(x[3] for x in c)
    row += [f"{cw:.1f}", f"{cm / 1024:.0f}", f"{cw / gw:.0f}×"]
else:
    row += ["-", "-", "-"]
print("| " + " | ".join(f"**{x}**" if i else x for i, x in enumerate(row)) + " |")
EOF

echo
echo "| garrison lint | pods | CPU [s] | CPU per pod [ms] | max RSS [MB] |"
echo "|---|---|---|---|---|"
for fmt in text json sarif; do
  for dir in pods pods10; do
    : >"$WORK/m"
    measure "$WORK/m" "$BIN" lint --fail-on none --format "$fmt" "$WORK/$dir"
    read -r w u s m <"$WORK/m"
    pods=$([ "$dir" = pods ] && echo "$N" || echo $((N * 10)))
    python3 -c "import sys; u,s,m,p=float('$u'),float('$s'),int('$m'),int('$pods'); print(f'| --format $fmt | {p} | {u+s:.3f} | {1000*(u+s)/p:.3f} | {m/1024:.0f} |')"
  done
done
