#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine, for the Slurm executor's tests and for trying
# `scalelab ladder run --executor slurm` without a real cluster (docs/slurm.md).
#
#   bash scripts/start-slurm.sh                  # prints progress on stderr; its last line is the
#   export "$(bash scripts/start-slurm.sh | tail -1)"   # environment to use: SLURM_CONF=<dir>/slurm.conf
#
# - Installs Debian's slurm-wlm and munge with apt-get when they are missing (as root, or with sudo).
# - Everything lives in one folder, ${SCALELAB_SLURM_DIR:-/tmp/scalelab-slurm}: slurm.conf, the munge
#   key and socket, the controller's state, slurmd's spool, logs and pid files. Nothing in /etc is
#   changed, except an /etc/hosts line when this machine's short hostname does not resolve.
# - Idempotent: a cluster this script started that still answers (`scontrol ping`, `sinfo`) is
#   reused. Otherwise daemons left from an earlier start are stopped by their pid files, and a
#   fresh cluster starts with empty state (no jobs).
# - No accounting daemon (AccountingStorageType=accounting_storage/none): the executor monitors
#   with squeue and the exit files its batch script writes; `sacct` does not work here. Finished
#   jobs are logged in <dir>/log/jobcomp.log.
# - Waits until the node is idle (up to ${SCALELAB_SLURM_TIMEOUT:-60} s); exits 1 with the tails of
#   the daemons' logs when the cluster does not come up.
set -euo pipefail
# Progress and errors go to stderr; stdout gets only the last line, the environment to use.
exec 3>&1 1>&2

DIR=${SCALELAB_SLURM_DIR:-/tmp/scalelab-slurm}
TIMEOUT=${SCALELAB_SLURM_TIMEOUT:-60}
CTLD_PORT=${SCALELAB_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SCALELAB_SLURMD_PORT:-6818}
CONF=$DIR/slurm.conf
MUNGE_SOCKET=$DIR/munge/munge.socket

say() { echo "start-slurm: $*" >&2; }
die() {
    say "FAIL: $*"
    for log in "$DIR/log/start.log" "$DIR/log/munged.log" "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; do
        if [ -s "$log" ]; then
            echo "---- last lines of $log" >&2
            $sudo tail -n 25 "$log" >&2
        fi
    done
    exit 1
}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# 1. Packages.
missing=()
for p in slurm-wlm munge; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} with apt-get"
    $sudo apt-get update -qq
    # policy-rc.d-free containers: the packages' own services may fail to start; we start ours below.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get could not install ${missing[*]}"
fi
for cmd in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
    command -v "$cmd" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is not installed (Debian packages slurm-wlm and munge)"
done

export SLURM_CONF=$CONF

# pid from a pid file, if that process is alive and runs the named program (never a reused pid).
live_pid() {
    local file=$1 name=$2 pid
    [ -f "$file" ] || return 1
    pid=$(tr -dc 0-9 <"$file")
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm")" = "$name" ] || return 1
    echo "$pid"
}

node_state() { sinfo -h -o %T 2>/dev/null | head -n 1; }

HOST=$(hostname -s)
if ! getent hosts "$HOST" >/dev/null; then
    say "adding '127.0.0.1 $HOST' to /etc/hosts (the short hostname did not resolve)"
    echo "127.0.0.1 $HOST" | $sudo tee -a /etc/hosts >/dev/null
fi
CPUS=$(nproc)
MEM_MB=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)

# The configuration this script writes (compared with the running cluster's before reusing it).
write_conf() {
cat <<EOF
# Written by scripts/start-slurm.sh: a one-node cluster for ScaleLab's Slurm executor.
ClusterName=scalelab
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire also delays a requeued job's restart (default 120 s).
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=10
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: processes are tracked through their parents, tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SwitchType=switch/none
# CPUs are the consumable resource: several 1-CPU tasks share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
# No slurmdbd: no sacct. Finished jobs are logged to a text file.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
# Arrays of up to 1001 tasks (indices 0-1000); jobs may be requeued (preemption, scontrol requeue).
MaxArraySize=1001
MaxJobCount=100000
JobRequeue=1
# SIGTERM, then SIGKILL 10 s later; finished jobs stay visible to squeue --states=all for 20 s.
KillWait=10
MinJobAge=20
# Quick turnaround: schedule every second.
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=200000
MessageTimeout=20
SlurmctldTimeout=60
SlurmdTimeout=60
InactiveLimit=0
Waittime=0
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
# Each CPU takes up to eight jobs at once: the scheduler starts a whole slot's worth per cycle, so
# thousands of light tasks (simulate-run) pass several times faster; a training task still asks for
# its threads as CPUs. A real cluster declares its own partitions.
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
PartitionName=long Nodes=$HOST MaxTime=INFINITE State=UP
EOF
}


# 2. Reuse a running cluster.
if [ -f "$CONF" ] && write_conf | cmp -s - "$CONF" && live_pid "$DIR/run/slurmctld.pid" slurmctld >/dev/null && live_pid "$DIR/run/slurmd.pid" slurmd >/dev/null \
    && timeout 10 scontrol ping 2>/dev/null | grep -q "is UP"; then
    state=$(node_state)
    case "$state" in
        idle*|mixed*|allocated*|completing*)
            say "reusing the cluster in $DIR (node $state)"
            echo "SLURM_CONF=$CONF" >&3
            exit 0
            ;;
    esac
    say "the cluster in $DIR answers but its node is '${state:-unknown}'; restarting it"
fi

# 3. Stop what an earlier start left (by pid file only), then start fresh.
for pair in slurmd:slurmd slurmctld:slurmctld munged:munged; do
    name=${pair%%:*}
    if pid=$(live_pid "$DIR/run/$name.pid" "$name"); then
        say "stopping the earlier $name (pid $pid)"
        $sudo kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        $sudo kill -9 "$pid" 2>/dev/null || true
    fi
    $sudo rm -f "$DIR/run/$name.pid"
done
for port in "$CTLD_PORT" "$SLURMD_PORT"; do
    if command -v ss >/dev/null 2>&1 && ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
        die "port $port is taken by another program (another Slurm?); set SCALELAB_SLURMCTLD_PORT / SCALELAB_SLURMD_PORT"
    fi
done

$sudo mkdir -p "$DIR"/{state,spool,log,run,munge}
$sudo rm -rf "${DIR:?}"/state/* "${DIR:?}"/spool/*
# Readable by all (clients reach munged's socket in munge/); the key itself is root's alone.
$sudo chmod 0755 "$DIR" "$DIR/munge"

# 3b. munge: our own key, socket and daemon (run as root), so nothing depends on the system's munge.
if [ ! -s "$DIR/munge/munge.key" ]; then
    say "creating a munge key"
    $sudo dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1 count=1024 status=none
fi
$sudo chmod 0400 "$DIR/munge/munge.key"
$sudo munged --force --key-file="$DIR/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" \
    </dev/null >>"$DIR/log/start.log" 2>&1 3>&- || die "munged did not start"
for _ in $(seq 50); do [ -S "$MUNGE_SOCKET" ] && break; sleep 0.1; done
munge -n --socket="$MUNGE_SOCKET" | unmunge --socket="$MUNGE_SOCKET" >/dev/null || die "munge does not answer on $MUNGE_SOCKET"

write_conf | $sudo tee "$CONF" >/dev/null

# 5. The daemons (each forks to the background and writes its pid file). None keeps this script's
# stdout or stderr open: `$(bash scripts/start-slurm.sh)` and pipes end when the script does.
say "starting slurmctld and slurmd on $HOST ($CPUS CPUs, $MEM_MB MB) with $CONF"
$sudo slurmctld -f "$CONF" -c -i </dev/null >>"$DIR/log/start.log" 2>&1 3>&- || die "slurmctld did not start"
$sudo slurmd -f "$CONF" </dev/null >>"$DIR/log/start.log" 2>&1 3>&- || die "slurmd did not start"

deadline=$((SECONDS + TIMEOUT))
state=""
while [ $SECONDS -lt $deadline ]; do
    if timeout 10 scontrol ping 2>/dev/null | grep -q "is UP"; then
        state=$(node_state)
        case "$state" in idle*) break ;; esac
    fi
    sleep 0.5
done
case "$state" in
    idle*) ;;
    *) die "the node is not idle after $TIMEOUT s (state '${state:-none}'; scontrol ping: $(timeout 10 scontrol ping 2>&1 | tr '\n' ' '))" ;;
esac
say "cluster up in $DIR: node $HOST idle, partitions $(sinfo -h -o %P | tr '\n' ' ')"
echo "SLURM_CONF=$CONF" >&3
