#!/usr/bin/env bash
# A private single-node Slurm cluster for the sharding test: munged, slurmctld and
# slurmd with their state, sockets, logs and pid files under one folder, so nothing
# outside it is touched and the test stops exactly the daemons it started.
#
#   cluster.sh start DIR   starts the daemons, waits for the node to be idle, and
#                          prints the SLURM_CONF to export for sbatch and squeue
#   cluster.sh stop DIR    stops them by their pid files
#
# Needs root (SlurmUser=root) and Debian's slurm-wlm and munge.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR}
dir=$(readlink -m "${2:?usage: cluster.sh start|stop DIR}")

stop() {
  for d in slurmd slurmctld munged; do
    if [ -f "$dir/$d.pid" ]; then
      pid=$(cat "$dir/$d.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$d.pid"
    fi
  done
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: cluster.sh start|stop DIR" >&2; exit 2; }
for tool in munged slurmctld slurmd sbatch sinfo; do
  command -v "$tool" >/dev/null || {
    echo "cluster.sh: $tool not found: install Debian's slurm-wlm and munge (.ci/test does)" >&2
    exit 2
  }
done

mkdir -p "$dir"/{munge,state,spool,log}
chmod 700 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/seed"

host=$(hostname -s)
cpus=$(nproc)
# Ports from the folder's name, so two clusters on one machine do not meet.
base=$((20000 + $(cksum <<<"$dir" | cut -d' ' -f1) % 20000))
cat >"$dir/slurm.conf" <<CONF
ClusterName=callcoach-test
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=batch Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -c
slurmd -c
for _ in $(seq 150); do
  if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
    echo "$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "cluster.sh: the node did not become idle within 30 s; logs in $dir/log:" >&2
tail -n 20 "$dir"/log/*.log >&2 || true
stop
exit 1
