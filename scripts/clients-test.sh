#!/usr/bin/env bash
# Runs containers through garrison-oci with two real OCI clients from Debian, non-interactively (no terminal):
#   containerd  a private daemon (own config, root, state and socket) with the io.containerd.runc.v2 shim,
#               `ctr run --runc-binary garrison-oci`, `ctr task exec`, `ctr task kill`
#   podman      `podman --runtime garrison-oci` with conmon, cgroupfs and vfs storage, `podman run`, `podman exec`
# Each container prints /proc/self/status lines (Uid, NoNewPrivs, Seccomp, CapEff); the script checks them,
# checks the exit status travels back to the client, and checks garrison-oci's audit log recorded the start.
#
# Usage (root): scripts/clients-test.sh [PATH_TO_GARRISON_OCI] [containerd|podman]...
#   Default binary .build/debug/garrison-oci (garrison-init must sit next to it or be named by $GARRISON_INIT);
#   default clients: both. Prints `PASS <client>` or `FAIL <client>: reason` (or `SKIP <client>: reason` when
#   the client is not installed) per client; exit 0 only if every requested client passed.
# Everything lives in one scratch directory /var/tmp/garrison-clients.XXXXXX (kept on failure with KEEP=1,
# always with KEEP=always); cgroups go under /garrison-clients-<suffix> in each hierarchy and are removed at the
# end, as are the daemons, shims, container processes and mounts this run created. Outside it, only what the
# clients create whatever their options: containerd 1.6's shim socket in /run/containerd/s/ (compiled in),
# podman's /run/containers/networks and /var/lib/containers/cache; removed again when this run created them.
set -uo pipefail
cd "$(dirname "$0")/.."

OCI=$(realpath -e "${1:-.build/debug/garrison-oci}") || { echo "FAIL setup: garrison-oci not found" >&2; exit 2; }
[ $# -gt 0 ] && shift
CLIENTS=("$@")
[ ${#CLIENTS[@]} -eq 0 ] && CLIENTS=(containerd podman)
[ "$(id -u)" -eq 0 ] || { echo "FAIL setup: must run as root" >&2; exit 2; }
[ -x /bin/busybox ] || { echo "FAIL setup: /bin/busybox (busybox-static) missing" >&2; exit 2; }

S=$(mktemp -d /var/tmp/garrison-clients.XXXXXX)
SUFFIX=${S##*.}
CGPARENT=/garrison-clients-$SUFFIX
IMAGE=localhost/garrison-busybox:$SUFFIX
LOG=$S/log
mkdir -p "$LOG"
CONTAINERD_PID=
status=0
# containerd 1.6's shim creates /run/containerd/s for its socket; remove those (empty) directories again if
# this run created them.
CTR_IDS="ctr-probe ctr-exit ctr-refused ctr-long"
RUN_CONTAINERD_EXISTED=0
[ -e /run/containerd ] && RUN_CONTAINERD_EXISTED=1
# podman 4.3 as root always creates /run/containers/networks (empty with --network none) and keeps its image
# copy cache in /var/lib/containers/cache/blob-info-cache-v1.boltdb (containers/image has no option for it);
# both are removed again if this run created them.
RUN_CONTAINERS_EXISTED=0
[ -e /run/containers ] && RUN_CONTAINERS_EXISTED=1
VAR_CONTAINERS_EXISTED=0
[ -e /var/lib/containers ] && VAR_CONTAINERS_EXISTED=1

say() { printf '%s\n' "$*"; }
note() { printf '  %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------------------------
# Cleanup: our daemon, then any process still running from the scratch directory (a shim or conmon of this run;
# identified by pid through its command line or executable naming $S), mounts under $S, our cgroups, $S.
cleanup() {
  if [ -n "$CONTAINERD_PID" ] && kill -0 "$CONTAINERD_PID" 2>/dev/null; then
    kill -TERM "$CONTAINERD_PID"
    for _ in $(seq 50); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$CONTAINERD_PID" 2>/dev/null && kill -KILL "$CONTAINERD_PID"
    wait "$CONTAINERD_PID" 2>/dev/null
  fi
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" = $$ ] && continue
    if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$S"; then
      note "cleanup: killing leftover pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-120))"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  # Container processes of a failed run: whatever is still in this run's cgroups.
  local procs
  for procs in $(find /sys/fs/cgroup/*"$CGPARENT" -name cgroup.procs 2>/dev/null); do
    for pid in $(cat "$procs" 2>/dev/null); do
      note "cleanup: killing container process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80))"
      kill -KILL "$pid" 2>/dev/null
    done
  done
  sleep 0.2
  local m
  for m in $(findmnt -rn -o TARGET | grep -F "$S" | sort -r); do
    note "cleanup: unmounting $m"
    umount -l "$m" || true
  done
  local d
  for d in /sys/fs/cgroup/*"$CGPARENT"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$d" ] && note "cleanup: cgroup $d still present: $(cat "$d"/cgroup.procs 2>/dev/null | tr '\n' ' ')"
  done
  # A shim killed above leaves its socket: /run/containerd/s/<sha256 of address/namespace/id>, ours alone.
  local id sockfile
  for id in $CTR_IDS; do
    sockfile=/run/containerd/s/$(printf '%s' "$S/containerd/containerd.sock/garrison/$id" | sha256sum | cut -d' ' -f1)
    [ -S "$sockfile" ] && { note "cleanup: removing shim socket $sockfile"; rm -f "$sockfile"; }
  done
  if [ $RUN_CONTAINERD_EXISTED = 0 ] && [ -d /run/containerd ]; then
    rmdir /run/containerd/s /run/containerd 2>/dev/null || note "cleanup: /run/containerd not empty: $(ls -A /run/containerd/s)"
  fi
  if [ $RUN_CONTAINERS_EXISTED = 0 ] && [ -d /run/containers ]; then
    rmdir /run/containers/networks /run/containers 2>/dev/null || note "cleanup: /run/containers not empty"
  fi
  if [ $VAR_CONTAINERS_EXISTED = 0 ] && [ -d /var/lib/containers ]; then
    rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
    rmdir /var/lib/containers/cache /var/lib/containers 2>/dev/null || note "cleanup: /var/lib/containers not empty"
  fi
  if findmnt -rn -o TARGET | grep -qF "$S"; then
    note "cleanup: mounts remain under $S; not removing it"
  elif [ "${KEEP:-0}" = always ] || { [ "${KEEP:-0}" = 1 ] && [ $status -ne 0 ]; }; then
    note "kept $S"
  else
    rm -rf "$S"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# A one-layer OCI image archive (oci-layout, index.json, blobs) from Debian's busybox-static: what both
# `ctr images import` and `podman load` read.
build_image() {
  local root=$S/image/rootfs lay=$S/image/layout
  mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,run} "$lay/blobs/sha256"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    case "$applet" in busybox|*/*|'') continue ;; esac
    ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  chmod 1777 "$root/tmp"
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$root" -cf "$S/image/layer.tar" . || return 1
  local ld ls cd cs md ms arch
  arch=$(dpkg --print-architecture)
  ld=$(sha256sum "$S/image/layer.tar" | cut -d' ' -f1); ls=$(stat -c %s "$S/image/layer.tar")
  mv "$S/image/layer.tar" "$lay/blobs/sha256/$ld"
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$ld" >"$S/image/config.json"
  cd=$(sha256sum "$S/image/config.json" | cut -d' ' -f1); cs=$(stat -c %s "$S/image/config.json")
  mv "$S/image/config.json" "$lay/blobs/sha256/$cd"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$cd" "$cs" "$ld" "$ls" >"$S/image/manifest.json"
  md=$(sha256sum "$S/image/manifest.json" | cut -d' ' -f1); ms=$(stat -c %s "$S/image/manifest.json")
  mv "$S/image/manifest.json" "$lay/blobs/sha256/$md"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$md" "$ms" "$arch" "$IMAGE" "$IMAGE" >"$lay/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
  tar -C "$lay" -cf "$S/image.tar" oci-layout index.json blobs
}

# The probe every container runs, and the checks on what it printed.
PROBE='grep -E "^(Uid|NoNewPrivs|Seccomp|CapEff):" /proc/self/status; echo "pid1=$(cat /proc/1/comm)"; echo GARRISON-PROBE-OK'
FULL_CAPS=000001ffffffffff

# check_probe FILE WHAT [NNP]: the probe's output shows a seccomp filter, fewer than all capabilities and,
# when NNP=1, no_new_privs; prints the lines it read.
check_probe() {
  local out=$1 what=$2 nnp=${3:-1}
  sed "s/^/    $what: /" "$out"
  grep -q '^GARRISON-PROBE-OK$' "$out" || { echo "$what: probe did not finish"; return 1; }
  grep -qP '^Seccomp:\t2$' "$out" || { echo "$what: no seccomp filter (Seccomp != 2)"; return 1; }
  local capeff
  capeff=$(grep -P '^CapEff:' "$out" | cut -f2)
  [ -n "$capeff" ] && [ "$capeff" != "$FULL_CAPS" ] || { echo "$what: CapEff '$capeff' is the full set"; return 1; }
  if [ "$nnp" = 1 ]; then grep -qP '^NoNewPrivs:\t1$' "$out" || { echo "$what: NoNewPrivs is not 1"; return 1; }; fi
  return 0
}

# audit_has DIR ID: garrison-oci's audit log under DIR recorded an allowed read-back attestation for ID.
audit_has() {
  local dir=$1 id=$2
  [ -d "$dir" ] || { echo "no garrison-oci audit log at $dir"; return 1; }
  grep -rhF "\"$id\"" "$dir" 2>/dev/null | grep -F 'enforcement.readback' | grep -qF '"allowed"' \
    || { echo "audit log $dir has no allowed enforcement.readback for $id"; return 1; }
}

# ---------------------------------------------------------------------------------------------------------------
containerd_test() {
  local cd=$S/containerd RROOT=$S/containerd/runc-root
  mkdir -p "$cd" "$RROOT"
  local sock=$cd/containerd.sock
  cat >"$cd/config.toml" <<EOF
version = 2
root = "$cd/root"
state = "$cd/state"
plugin_dir = "$cd/plugins"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
[debug]
  address = "$cd/debug.sock"
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$cd/opt"
EOF
  containerd --config "$cd/config.toml" >"$LOG/containerd.log" 2>&1 &
  CONTAINERD_PID=$!
  local ctr=(ctr --address "$sock" --namespace garrison)
  local i
  for i in $(seq 100); do
    "${ctr[@]}" version >/dev/null 2>&1 && break
    kill -0 "$CONTAINERD_PID" 2>/dev/null || { echo "containerd exited: $(tail -3 "$LOG/containerd.log")"; return 1; }
    sleep 0.1
  done
  "${ctr[@]}" version >/dev/null 2>&1 || { echo "containerd did not answer on $sock"; return 1; }
  "${ctr[@]}" images import "$S/image.tar" >"$LOG/ctr-import.log" 2>&1 \
    || { echo "ctr images import failed: $(tail -3 "$LOG/ctr-import.log")"; return 1; }
  local run=("${ctr[@]}" run --fifo-dir "$cd/fifo" --runtime io.containerd.runc.v2 --runc-binary "$OCI" --runc-root "$RROOT"
             --seccomp)
  local audit=$RROOT/garrison/audit

  # 1. ctr run --rm: probe output through the shim's stdout FIFO.
  local out=$LOG/ctr-run.out
  timeout 120 "${run[@]}" --cgroup "$CGPARENT/ctr-probe" --rm "$IMAGE" ctr-probe sh -c "$PROBE" >"$out" 2>"$LOG/ctr-run.err" \
    || { echo "ctr run failed ($?): $(tail -3 "$LOG/ctr-run.err")"; return 1; }
  check_probe "$out" "ctr run" 1 || return 1
  audit_has "$audit" ctr-probe || return 1

  # 2. The exit status travels back through the shim.
  local rc=0
  timeout 120 "${run[@]}" --cgroup "$CGPARENT/ctr-exit" --rm "$IMAGE" ctr-exit sh -c 'exit 7' >"$LOG/ctr-exit.out" 2>&1 || rc=$?
  [ "$rc" = 7 ] || { echo "ctr run 'exit 7' returned $rc: $(tail -3 "$LOG/ctr-exit.out")"; return 1; }
  note "ctr run: exit status 7 reported"

  # 3. A refusal reaches the client: the shim reads garrison-oci's --log (json) and reports its message.
  rc=0
  timeout 60 "${run[@]}" --runc-systemd-cgroup --cgroup "garrison.slice:clients:ctr-refused" --rm "$IMAGE" ctr-refused true >"$LOG/ctr-refused.out" 2>&1 || rc=$?
  [ "$rc" != 0 ] && grep -q 'systemd-cgroup is not supported by garrison-oci' "$LOG/ctr-refused.out" \
    || { echo "ctr run --runc-systemd-cgroup: rc $rc, expected garrison-oci's refusal: $(tail -3 "$LOG/ctr-refused.out")"; return 1; }
  "${ctr[@]}" container rm ctr-refused >/dev/null 2>&1
  note "ctr run --runc-systemd-cgroup refused; $(grep -F 'systemd-cgroup is not supported by garrison-oci' "$LOG/ctr-refused.out" | head -1)"

  # 4. A detached container, `ctr task exec` into it, garrison-oci's own view of it, then kill and remove.
  timeout 60 "${run[@]}" --cgroup "$CGPARENT/ctr-long" -d "$IMAGE" ctr-long sleep 300 >"$LOG/ctr-long.out" 2>&1 \
    || { echo "ctr run -d failed: $(tail -3 "$LOG/ctr-long.out")"; return 1; }
  out=$LOG/ctr-exec.out
  timeout 60 "${ctr[@]}" task exec --fifo-dir "$cd/fifo" --exec-id probe ctr-long sh -c "$PROBE" >"$out" 2>"$LOG/ctr-exec.err" \
    || { echo "ctr task exec failed: $(tail -3 "$LOG/ctr-exec.err")"; return 1; }
  check_probe "$out" "ctr task exec" 1 || return 1
  grep -q '^pid1=sleep$' "$out" || { echo "ctr task exec: not in the container's pid namespace"; return 1; }
  "$OCI" --root "$RROOT/garrison" state ctr-long >"$LOG/oci-state.json" 2>&1 \
    || { echo "garrison-oci state ctr-long failed: $(cat "$LOG/oci-state.json")"; return 1; }
  grep -q '"status" *: *"running"' "$LOG/oci-state.json" || { echo "garrison-oci state: $(cat "$LOG/oci-state.json")"; return 1; }
  note "garrison-oci --root $RROOT/garrison state ctr-long: running"
  "${ctr[@]}" task kill -s SIGKILL ctr-long >/dev/null 2>&1 || { echo "ctr task kill failed"; return 1; }
  for i in $(seq 100); do
    "${ctr[@]}" task ls 2>/dev/null | grep -E '^ctr-long ' | grep -q STOPPED && break
    sleep 0.1
  done
  "${ctr[@]}" task rm ctr-long >"$LOG/ctr-taskrm.out" 2>&1 || { echo "ctr task rm failed: $(cat "$LOG/ctr-taskrm.out")"; return 1; }
  "${ctr[@]}" container rm ctr-long >/dev/null 2>&1 || { echo "ctr container rm failed"; return 1; }
  [ -z "$(ls "$RROOT/garrison" | grep -v '^audit$')" ] || { echo "garrison-oci state left: $(ls "$RROOT/garrison")"; return 1; }
  note "ctr task exec, kill, rm: ok; no garrison-oci state left"

  # The shim's cleanup deletes once more (`delete --force` of a container already gone, which must succeed).
  # Its "exit status 255" with empty output is the shim racing its own reaper for the status (runc gets the same
  # warning); an error printed by garrison-oci is ours.
  if grep -F 'failed to remove runc container' "$LOG/containerd.log" | grep -F 'garrison-oci: ' >&2; then
    echo "the shim's cleanup could not delete a container through garrison-oci"; return 1
  fi
  "${ctr[@]}" images rm "$IMAGE" >/dev/null 2>&1
  kill -TERM "$CONTAINERD_PID"
  wait "$CONTAINERD_PID" 2>/dev/null
  CONTAINERD_PID=
  return 0
}

# ---------------------------------------------------------------------------------------------------------------
podman_test() {
  local pd=$S/podman
  mkdir -p "$pd/tmp" "$pd/net"
  # An empty containers.conf so the host's settings (runtime, hooks, cgroup manager) do not leak in.
  : >"$pd/containers.conf"
  # garrison-oci's state must stay in the scratch directory, but podman 4.3 drops its --runtime-flag options
  # (here --root) when it runs `<runtime> delete --force <id>` for `run --rm` and container cleanup
  # (libpod ConmonOCIRuntime.DeleteContainer), which would leave the state behind and look in the host's
  # /run/garrison-oci. So --runtime names this two-line script, which only adds --root to every call.
  local runtime=$pd/garrison-oci
  printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$OCI" "$pd/oci-root" >"$runtime"
  chmod 0755 "$runtime"
  local podman=(env CONTAINERS_CONF="$pd/containers.conf" CONTAINERS_REGISTRIES_CONF=/dev/null
                podman --root "$pd/root" --runroot "$pd/runroot" --tmpdir "$pd/tmp" --storage-driver vfs
                --runtime "$runtime" --cgroup-manager cgroupfs --events-backend file --network-config-dir "$pd/net"
                --hooks-dir "$pd/hooks")
  mkdir -p "$pd/hooks"
  timeout 120 "${podman[@]}" load -i "$S/image.tar" >"$LOG/podman-load.log" 2>&1 \
    || { echo "podman load failed: $(tail -3 "$LOG/podman-load.log")"; return 1; }
  local img
  img=$("${podman[@]}" images -q | head -1)
  [ -n "$img" ] || { echo "podman load: no image"; return 1; }
  local run=("${podman[@]}" run ${PODMAN_RUN_EXTRA:-} --network none --cgroup-parent "$CGPARENT" --security-opt no-new-privileges)
  local audit=$pd/oci-root/audit

  # 1. podman run --rm: probe output through conmon's pipes.
  local out=$LOG/podman-run.out
  timeout 120 "${run[@]}" --rm --cidfile "$pd/probe.cid" "$img" sh -c "$PROBE" >"$out" 2>"$LOG/podman-run.err" \
    || { echo "podman run failed ($?): $(tail -3 "$LOG/podman-run.err")"; return 1; }
  check_probe "$out" "podman run" 1 || return 1
  audit_has "$audit" "$(cat "$pd/probe.cid")" || return 1

  # 2. Exit status.
  local rc=0
  timeout 120 "${run[@]}" --rm "$img" sh -c 'exit 7' >"$LOG/podman-exit.out" 2>&1 || rc=$?
  [ "$rc" = 7 ] || { echo "podman run 'exit 7' returned $rc: $(tail -3 "$LOG/podman-exit.out")"; return 1; }
  note "podman run: exit status 7 reported"

  # 3. --preserve-fds: podman hands its fd 3 through conmon to garrison-oci, and the container reads it.
  echo "garrison-preserved-$$" >"$LOG/preserved.txt"
  rc=0
  local preserved
  preserved=$(timeout 60 "${run[@]}" --rm --preserve-fds 1 "$img" sh -c 'cat <&3' 3<"$LOG/preserved.txt" \
    2>"$LOG/podman-preserve.err") || rc=$?
  [ "$rc" = 0 ] && [ "$preserved" = "garrison-preserved-$$" ] \
    || { echo "podman run --preserve-fds 1: rc $rc, read '$preserved': $(tail -3 "$LOG/podman-preserve.err")"; return 1; }
  note "podman run --preserve-fds 1: the container read the descriptor podman passed"

  # 3b. linux.personality: podman's --personality reaches the container process.
  rc=0
  local machine
  machine=$(timeout 60 "${run[@]}" --rm --personality LINUX32 "$img" uname -m 2>"$LOG/podman-personality.err") || rc=$?
  [ "$rc" = 0 ] && [ "$machine" = i686 ] \
    || { echo "podman run --personality LINUX32: rc $rc, uname -m '$machine': $(tail -3 "$LOG/podman-personality.err")"; return 1; }
  note "podman run --personality LINUX32: uname -m says i686"

  # 3c. A refusal reaches the client: conmon reads garrison-oci's --log and podman reports its message.
  rc=0
  timeout 60 "${run[@]}" --rm --cpu-rt-runtime 1000 "$img" true >"$LOG/podman-refused.out" 2>&1 || rc=$?
  [ "$rc" != 0 ] && grep -q 'cpu.realtimeRuntime is not supported by garrison-oci' "$LOG/podman-refused.out" \
    || { echo "podman run --cpu-rt-runtime: rc $rc, expected garrison-oci's refusal: $(tail -3 "$LOG/podman-refused.out")"; return 1; }
  note "podman run --cpu-rt-runtime 1000 refused; podman says: $(grep -o 'OCI runtime error: .*' "$LOG/podman-refused.out" | sed "s|$pd/||" | head -1)"

  # 4. Detached container, podman exec, stop, rm.
  timeout 60 "${run[@]}" -d --name podman-long "$img" sleep 300 >"$LOG/podman-long.out" 2>&1 \
    || { echo "podman run -d failed: $(tail -3 "$LOG/podman-long.out")"; return 1; }
  out=$LOG/podman-exec.out
  timeout 60 "${podman[@]}" exec podman-long sh -c "$PROBE" >"$out" 2>"$LOG/podman-exec.err" \
    || { echo "podman exec failed: $(tail -3 "$LOG/podman-exec.err")"; return 1; }
  check_probe "$out" "podman exec" 1 || return 1
  grep -q '^pid1=sleep$' "$out" || { echo "podman exec: not in the container's pid namespace"; return 1; }
  timeout 60 "${podman[@]}" rm -f -t 0 podman-long >"$LOG/podman-rm.out" 2>&1 \
    || { echo "podman rm -f failed: $(tail -3 "$LOG/podman-rm.out")"; return 1; }
  [ -z "$(ls "$pd/oci-root" | grep -v '^audit$')" ] || { echo "garrison-oci state left: $(ls "$pd/oci-root")"; return 1; }
  note "podman exec, rm -f: ok; no garrison-oci state left"
  "${podman[@]}" rmi -f "$img" >/dev/null 2>&1
  return 0
}

# ---------------------------------------------------------------------------------------------------------------
say "scratch $S (cgroups under $CGPARENT)"
build_image || { echo "FAIL setup: cannot build the busybox OCI image"; exit 1; }
for client in "${CLIENTS[@]}"; do
  case "$client" in
    containerd) need=(containerd ctr containerd-shim-runc-v2) ;;
    podman) need=(podman conmon) ;;
    *) echo "FAIL $client: unknown client"; status=1; continue ;;
  esac
  missing=()
  for b in "${need[@]}"; do command -v "$b" >/dev/null || missing+=("$b"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "SKIP $client: not installed (${missing[*]}); run scripts/setup.sh"
    status=1
    continue
  fi
  say "== $client"
  "${client}_test" </dev/null >"$LOG/$client.test" 2>&1
  rc=$?
  grep '^  ' "$LOG/$client.test"
  if [ $rc -eq 0 ]; then
    say "PASS $client"
  else
    reason=$(grep -v '^  ' "$LOG/$client.test" | tail -3 | tr '\n' ' ')
    say "FAIL $client: ${reason:-see $LOG}"
    [ -f "$LOG/containerd.log" ] && [ "$client" = containerd ] && grep -iE 'level=(error|warn)' "$LOG/containerd.log" | tail -5 | sed 's/^/    containerd: /'
    status=1
  fi
done
exit $status
