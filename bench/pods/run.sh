#!/usr/bin/env bash
# Pod runner benchmark, garrison against podman (crun, conmon) in the same run, rounds interleaved:
#   1. one pod with one init container and two app containers: `apply --wait` (returns once every app container
#      runs) -> every app container running, then
#      delete (REPS rounds; network none, then a bridge for garrison; podman with network none);
#   2. PODS single-container pods in one manifest -> all running, then delete of all of them (ROUNDS rounds);
#   3. the peak RSS (VmHWM) of what stays resident per pod beside the containers: garrison's supervisor
#      (garrison-supervisor), podman's conmon (one per container, the infra container's included) and, with
#      CONTAINERD=1, containerd 1.6's containerd-shim-runc-v2 (one per `ctr run -d` container), on the same pods:
#      the init+2 pod and PODS single-container pods (ctr: PODS busybox containers, `ctr run -d` each, timed).
# Prints medians, garrison/podman ratios and the RSS side by side.
#
# Usage (root): bench/pods/run.sh [GARRISON_BINARY]
#   default .build-release/x86_64-unknown-linux-gnu/release/garrison; RUNTIME (default garrison-oci beside it),
#   REPS=7 PODS=20 ROUNDS=3 PODMAN=1 (0: garrison only) CONTAINERD=1 (0: no containerd; needs PODMAN=1 for the
#   image) TRACE=1 (also print one traced start: GARRISON_TRACE_PHASES).
# containerd runs from a scratch config (root, state and sockets under the scratch directory, CRI plugin off),
# started by this script and stopped by its pid; its image is the podman image saved as a docker archive (`ctr image import`).
# podman gets its own storage under the scratch directory, a busybox image imported from the same files as
# garrison's --rootfs (no registry: `podman import`), a local infra image, and a containers.conf with ulimits
# the runtime may set here. bench/pods/RESULTS.md records a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
G=${1:-.build-release/x86_64-unknown-linux-gnu/release/garrison}
G=$(realpath "$G")
RUNTIME=${RUNTIME:-$(dirname "$G")/garrison-oci}
REPS=${REPS:-7}
PODS=${PODS:-20}
ROUNDS=${ROUNDS:-3}
PODMAN=${PODMAN:-1}
CONTAINERD=${CONTAINERD:-1}
[ "$PODMAN" = 1 ] || CONTAINERD=0
[ "$(id -u)" = 0 ] || { echo "bench needs root" >&2; exit 2; }
[ -x "$G" ] || { echo "garrison not built at $G" >&2; exit 2; }
[ -x "$RUNTIME" ] || { echo "runtime $RUNTIME not found" >&2; exit 2; }

DIR=/var/tmp/garrison-bench-$$
ROOT=$DIR/state
BRIDGE=gbench$$
BRIDGE=${BRIDGE:0:15}
mkdir -p $DIR/rootfs/bin $DIR/rootfs/{proc,sys,dev,etc,tmp}
cp /bin/busybox $DIR/rootfs/bin/busybox
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $DIR/rootfs/bin/$a; done

export CONTAINERS_CONF=$DIR/containers.conf
P=(podman --root $DIR/podman/storage --runroot $DIR/podman/run --cgroup-manager cgroupfs)
IMAGE=localhost/gbench-busybox:latest
if [ "$PODMAN" = 1 ]; then
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n[engine]\ninfra_image = "localhost/gbench-pause:latest"\n' > $CONTAINERS_CONF
  tar -C $DIR/rootfs -c . | "${P[@]}" import --change 'ENV PATH=/bin' - $IMAGE >/dev/null
  tar -C $DIR/rootfs -c . | "${P[@]}" import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sleep","infinity"]' - localhost/gbench-pause:latest >/dev/null
fi

CD=$DIR/containerd
C=(ctr --address $CD/containerd.sock -n gbench)
CDPID=
if [ "$CONTAINERD" = 1 ]; then
  mkdir -p $CD/root $CD/state
  cat > $CD/config.toml <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
TOML
  containerd --config $CD/config.toml > $CD/containerd.log 2>&1 &
  CDPID=$!
  for _ in $(seq 1 500); do [ -S $CD/containerd.sock ] && break; sleep 0.01; done
  "${P[@]}" save --format docker-archive -o $DIR/busybox.tar $IMAGE >/dev/null 2>&1
  "${C[@]}" image import $DIR/busybox.tar >/dev/null
fi

cleanup() {
  # The cleanup runs to its end whatever fails in it (under `set -e` a failed command here, e.g. a grep that finds
  # no mount, ended the trap early with status 1 and left the scratch directory), and the script keeps its status.
  local status=$?
  set +e +o pipefail
  for p in $("$G" get pods -A --root $ROOT -o json 2>/dev/null | python3 -c 'import json,sys; [print(i["metadata"]["namespace"]+" "+i["metadata"]["name"]) for i in json.load(sys.stdin)["items"]]' 2>/dev/null | tr ' ' ':'); do
    "$G" delete pod "${p#*:}" -n "${p%%:*}" --root $ROOT --grace-period 0 >/dev/null 2>&1 || true
  done
  if [ "$PODMAN" = 1 ]; then
    "${P[@]}" pod rm -a -f -t 0 >/dev/null 2>&1 || true
    "${P[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
    "${P[@]}" volume rm -a -f >/dev/null 2>&1 || true
    "${P[@]}" rmi -a -f >/dev/null 2>&1 || true
    umount -R $DIR/podman/storage/overlay 2>/dev/null || true
    umount $DIR/podman/storage/overlay 2>/dev/null || true
  fi
  if [ -n "$CDPID" ]; then
    for c in $("${C[@]}" containers list -q 2>/dev/null); do
      "${C[@]}" task kill -s SIGKILL $c >/dev/null 2>&1 || true
      "${C[@]}" task delete -f $c >/dev/null 2>&1 || true
      "${C[@]}" containers delete $c >/dev/null 2>&1 || true
    done
    kill $CDPID 2>/dev/null || true
    wait $CDPID 2>/dev/null || true
    grep " $CD/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
  # podman (cgroupfs manager) and containerd leave their containers' empty cgroup directories behind, and every one
  # left slows each later cgroup creation on this host (bench/oci/RESULTS.md): remove the empty ones this run made.
  comm -13 <(echo "$CGROUPS_BEFORE") <(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort) | sort -r |
    while read -r d; do rmdir "$d" 2>/dev/null || true; done
  ip link del $BRIDGE 2>/dev/null || true
  rmdir /run/garrison/ipam/$BRIDGE 2>/dev/null || true
  # podman's `container cleanup` processes (started by conmon when a container exits) may still run and write
  # under its storage for a moment: wait (up to 20 s) until no process names the scratch directory, then remove it.
  for _ in $(seq 200); do pgrep -f -- "$DIR/" >/dev/null || break; sleep 0.1; done
  for _ in 1 2 3 4 5; do rm -rf $DIR 2>/dev/null && break; sleep 2; done
  [ ! -e $DIR ] || echo "warning: could not remove $DIR" >&2
  exit $status
}
CGROUPS_BEFORE=$(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort)
trap cleanup EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
# `apply --wait` returns once every pod it applied is Running (every app container running), woken by inotify on
# the pods' status files: the clock measures garrison's own command, as podman's `pod start` / `play kube` return
# once their containers started.
apply() { "$G" apply --root $ROOT --rootfs $DIR/rootfs --runtime "$RUNTIME" --no-seccomp-default --wait --timeout 120 "$@" >/dev/null; }
# Peak RSS of a list of pids (VmHWM, kB) and their proportional and private resident memory now (smaps_rollup: Pss,
# Private_Clean + Private_Dirty, kB): records "<n> <max> <avg> <sum> <pss sum> <private sum>" under key $1.
hwm() {
  local key=$1; shift
  local line
  line=$(python3 - "$@" <<'PY'
import sys
kb, pss, private = [], 0, 0
for pid in sys.argv[1:]:
    try:
        for l in open(f"/proc/{pid}/status"):
            if l.startswith("VmHWM:"): kb.append(int(l.split()[1]))
        for l in open(f"/proc/{pid}/smaps_rollup"):
            f = l.split()
            if f[0] == "Pss:": pss += int(f[1])
            if f[0] in ("Private_Clean:", "Private_Dirty:"): private += int(f[1])
    except OSError: pass
print(f"{len(kb)} {max(kb) if kb else 0} {sum(kb)//len(kb) if kb else 0} {sum(kb)} {pss} {private}")
PY
)
  RSS[$key]=$line
}
declare -A RSS
supervisor_pids() {
  "$G" get pods -A --root $ROOT -o json | python3 -c '
import json,sys
for i in json.load(sys.stdin)["items"]:
    print((i["metadata"].get("annotations") or {}).get("garrison.io/supervisor-pid", "").split(" ")[0])'
}
# With garrison-keeper beside garrison, a quiescent pod's supervisor process execs the keeper (same pid, the peak
# RSS starts again at the exec): wait (up to 5 s) until every supervisor runs it, so the peak read is what stays
# resident; the worker's transient peak during the start is in the trace (`handover to keeper VmHWM: …`).
wait_keepers() {
  local keeper
  keeper=$(dirname "$G")/garrison-keeper
  [ -x "$keeper" ] || return 0
  for _ in $(seq 100); do
    local all=1
    for p in "$@"; do [ "$(readlink /proc/$p/exe)" = "$keeper" ] || all=0; done
    [ $all = 1 ] && return 0
    sleep 0.05
  done
  echo "not every supervisor handed over to garrison-keeper within 5 s" >&2
}
supervisor_rss() {
  local pids
  pids=$(supervisor_pids)
  wait_keepers $pids
  hwm "$1" $pids
  echo "garrison supervisors: ${RSS[$1]} (count, max, avg, sum of VmHWM; sum of Pss; sum of private; kB)"
}
# conmon of every container of the podman pods (the infra container's and exited init's included while alive).
conmon_rss() {
  hwm "$1" $("${P[@]}" ps -a -q | xargs -r "${P[@]}" inspect --format '{{.State.ConmonPid}}' | grep -v '^0$')
  echo "podman conmons: ${RSS[$1]} (count, max, avg, sum of VmHWM; sum of Pss; sum of private; kB)"
}
# containerd-shim-runc-v2 of every running ctr task: the parent of the task's pid.
shim_rss() {
  local pids=""
  for t in $("${C[@]}" task list -q 2>/dev/null); do
    tp=$("${C[@]}" task list | awk -v t=$t '$1==t{print $2}')
    pids="$pids $(awk '/^PPid:/{print $2}' /proc/$tp/status 2>/dev/null)"
  done
  hwm "$1" $pids
  echo "containerd shims: ${RSS[$1]} (count, max, avg, sum of VmHWM; sum of Pss; sum of private; kB)"
}

pod3() {
  local img=""
  [ "${2:-}" = podman ] && img="image: $IMAGE, imagePullPolicy: Never, "
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 0
  initContainers: [{name: init, ${img}command: ["/bin/sh", "-c", "echo ready > /data/x"], volumeMounts: [{name: d, mountPath: /data}]}]
  containers:
  - {name: a, ${img}command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  - {name: b, ${img}command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  volumes: [{name: d, emptyDir: {}}]
YAML
}
many() {
  local img=""
  [ "${1:-}" = podman ] && img="image: $IMAGE, imagePullPolicy: Never, "
  for i in $(seq 1 $PODS); do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{name: main, %scommand: ["sleep", "100000"]}]\n' $i "$img"
  done
}
pod3 p3 > $DIR/p3.yaml
many > $DIR/many.yaml
many podman > $DIR/many-podman.yaml
podnames=$(seq -f 'p%g' 1 $PODS | tr '\n' ' ')

# One pod with an init and two app containers through podman's CLI: the pod, its containers (the init one
# with --init-ctr, run to completion before the others), `pod start` returns once all are started.
podman_p3() {
  "${P[@]}" pod create --name p3 --network none >/dev/null
  "${P[@]}" create --pod p3 --name p3-init --init-ctr always -v p3d:/data $IMAGE sh -c 'echo ready > /data/x' >/dev/null
  "${P[@]}" create --pod p3 --name p3-a -v p3d:/data $IMAGE sleep 100000 >/dev/null
  "${P[@]}" create --pod p3 --name p3-b -v p3d:/data $IMAGE sleep 100000 >/dev/null
  "${P[@]}" pod start p3 >/dev/null
}

if [ "${TRACE:-0}" = 1 ]; then
  echo "== one traced start (GARRISON_TRACE_PHASES; supervisor then apply marks, µs) =="
  GARRISON_TRACE_PHASES=1 "$G" apply --root $ROOT --rootfs $DIR/rootfs --runtime "$RUNTIME" --no-seccomp-default --wait -f $DIR/p3.yaml --network none 2>$DIR/apply.trace >/dev/null
  sleep 0.2
  grep '^phase' $ROOT/pods/default/p3/supervisor.log | grep -v 'phase init ' || true
  cat $DIR/apply.trace
  GARRISON_TRACE_PHASES=1 "$G" delete pod p3 --root $ROOT --grace-period 0 2>&1 >/dev/null | grep '^phase' || true
fi

declare -A R
rec() { R[$1]="${R[$1]:-} $2"; }
for i in $(seq 1 $REPS); do
  t0=$(now); apply -f $DIR/p3.yaml --network none; t1=$(now)
  [ $i = $REPS ] && { sleep 1; supervisor_rss g_p3; }
  # The delete is timed from its own start (in the last round the memory is read between start and delete).
  td=$(now); "$G" delete pod p3 --root $ROOT --grace-period 0 >/dev/null; t2=$(now)
  rec g_p3_none $(ms $t0 $t1); rec g_p3_del $(ms $td $t2)
  if [ "$PODMAN" = 1 ]; then
    t0=$(now); podman_p3; t1=$(now)
    [ $i = $REPS ] && { sleep 1; conmon_rss p_p3; }
    td=$(now); "${P[@]}" pod rm -f -t 0 p3 >/dev/null; "${P[@]}" volume rm -f p3d >/dev/null; t2=$(now)
    rec p_p3_none $(ms $t0 $t1); rec p_p3_del $(ms $td $t2)
  fi
  t0=$(now); apply -f $DIR/p3.yaml --network bridge --bridge $BRIDGE --pod-cidr 10.252.0.0/16; t1=$(now)
  [ $i = $REPS ] && supervisor_rss g_p3_bridge
  "$G" delete pod p3 --root $ROOT --grace-period 0 >/dev/null
  rec g_p3_bridge $(ms $t0 $t1)
  echo "round $i: init+2 none ${R[g_p3_none]##* } ms (podman ${R[p_p3_none]:-}) bridge ${R[g_p3_bridge]##* } ms"
done

for i in $(seq 1 $ROUNDS); do
  t0=$(now); apply -f $DIR/many.yaml --network none; t1=$(now)
  [ $i = $ROUNDS ] && { sleep 1; supervisor_rss g_many; }
  td=$(now); "$G" delete pod $podnames --root $ROOT --grace-period 0 >/dev/null; t2=$(now)
  rec g_many $(ms $t0 $t1); rec g_many_del $(ms $td $t2)
  if [ "$PODMAN" = 1 ]; then
    t0=$(now); "${P[@]}" play kube --network none $DIR/many-podman.yaml >/dev/null; t1=$(now)
    [ $i = $ROUNDS ] && { sleep 1; conmon_rss p_many; }
    td=$(now); "${P[@]}" pod rm -f -t 0 $podnames >/dev/null; t2=$(now)
    rec p_many $(ms $t0 $t1); rec p_many_del $(ms $td $t2)
  fi
  if [ "$CONTAINERD" = 1 ]; then
    # PODS busybox containers, one `ctr run -d` each (ctr returns once the task started; no pods in plain ctr).
    t0=$(now)
    for n in $podnames; do "${C[@]}" run -d $IMAGE gbench-$n sleep 100000 >/dev/null; done
    t1=$(now)
    [ $i = $ROUNDS ] && { sleep 1; shim_rss c_many; }
    td=$(now)
    for n in $podnames; do "${C[@]}" task kill -s SIGKILL gbench-$n >/dev/null 2>&1 || true; done
    for n in $podnames; do "${C[@]}" task delete -f gbench-$n >/dev/null 2>&1 || true; "${C[@]}" containers delete gbench-$n >/dev/null; done
    t2=$(now)
    rec c_many $(ms $t0 $t1); rec c_many_del $(ms $td $t2)
  fi
  echo "round $i: $PODS pods ${R[g_many]##* } ms, delete ${R[g_many_del]##* } ms (podman ${R[p_many]:-} / ${R[p_many_del]:-})"
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }
row() {  # label, garrison key, podman key, divisor (per pod)
  local g=$(median "${R[$2]}") p=""
  printf '%-58s garrison %5s ms (%s)' "$1" "$g" "$(range "${R[$2]}")"
  if [ -n "${3:-}" ] && [ -n "${R[$3]:-}" ]; then
    p=$(median "${R[$3]}")
    printf '  podman %5s ms (%s)  ratio %s' "$p" "$(range "${R[$3]}")" "$(awk "BEGIN{printf \"%.2fx\", $g/$p}")"
  fi
  [ -n "${4:-}" ] && printf '  per pod %s ms' "$(awk "BEGIN{printf \"%.1f\", $g/$4}")"
  echo
}
echo "== medians (range) over $REPS / $ROUNDS rounds; ratio = garrison / podman (below 1: garrison faster) =="
row "1 init + 2 app: start -> all running, network none" g_p3_none p_p3_none
row "same, garrison with a bridge (veth + address)" g_p3_bridge
row "delete of that pod (network none)" g_p3_del p_p3_del
row "$PODS single-container pods, one manifest -> all running" g_many p_many
row "delete of the $PODS pods (one command)" g_many_del p_many_del $PODS
[ -n "${R[c_many]:-}" ] && printf '%-58s containerd %5s ms (%s)  garrison/containerd %s\n' "$PODS containers, ctr run -d each -> started" \
  "$(median "${R[c_many]}")" "$(range "${R[c_many]}")" "$(awk "BEGIN{printf \"%.2fx\", $(median "${R[g_many]}")/$(median "${R[c_many]}")}")"
echo "== memory of what stays resident beside the containers, last round; per pod = sum over the pod's processes / pods =="
rss_row() {  # label, key, processes per pod
  [ -n "${RSS[$2]:-}" ] || return 0
  read -r n mx avg sum pss private <<<"${RSS[$2]}"
  [ "$n" -gt 0 ] || { printf '%-58s (no process found)\n' "$1"; return 0; }
  printf '%-52s %3d proc, VmHWM max %5.1f MB, per pod %5.1f MB; PSS per pod %5.2f MB, private per pod %5.2f MB\n' "$1" "$n" \
    "$(awk "BEGIN{print $mx/1024}")" "$(awk "BEGIN{print $sum/1024/$3}")" "$(awk "BEGIN{print $pss/1024/$3}")" "$(awk "BEGIN{print $private/1024/$3}")"
}
rss_row "garrison-supervisor, init+2 pod (network none)" g_p3 1
rss_row "garrison-supervisor, init+2 pod (bridge)" g_p3_bridge 1
rss_row "podman conmon, init+2 pod (infra, a, b)" p_p3 1
rss_row "garrison-supervisor, $PODS single-container pods" g_many $PODS
rss_row "podman conmon, $PODS pods (infra + main each)" p_many $PODS
rss_row "containerd-shim-runc-v2, $PODS ctr containers" c_many $PODS
