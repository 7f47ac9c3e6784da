#!/bin/sh
# A throw-away Slurm cluster of two emulated nodes on this machine, for the end-to-end tests.
#
#   slurm-cluster.sh up DIR     start munged, slurmctld and slurmd "n1" and "n2" under DIR
#   slurm-cluster.sh down DIR   stop all of it, jobs included
#
# Each slurmd runs in its own mount and UTS namespace: its own hostname and its own /tmp (as on
# real nodes, node-local), with DIR still visible at the same path (the "shared filesystem").
# Nothing outside DIR is written: munged has its own key and socket there. Run as root.
# After `up`: export SLURM_CONF=DIR/slurm.conf. Exit status 3 means this machine cannot run it
# (not root, no Slurm, no namespaces): the message says why, and callers skip.
set -eu

usage() { echo "usage: $0 up|down DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(cd "$2" 2>/dev/null && pwd) || { echo "slurm-cluster: no directory '$2'" >&2; exit 2; }
port=${COREFLOW_SLURM_PORT:-16817}   # slurmctld; the nodes take the next two

cannot() { echo "slurm-cluster: cannot run here: $*" >&2; exit 3; }

wait_for() {  # wait_for SECONDS COMMAND...: poll until COMMAND succeeds
  limit=$(( $1 * 10 )); shift; i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -le "$limit" ] || return 1
    sleep 0.1
  done
}

idle_nodes() { [ "$(sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | wc -l)" -ge 2 ]; }

write_conf() {
  cat > "$dir/slurm.conf" <<EOF
ClusterName=coreflow-ci
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/run/munge.sock
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
KillWait=2
MailProg=/bin/true
StateSaveLocation=$dir/ctld
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmctldDebug=debug
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmdSpoolDir=/tmp/slurmd
SlurmdPidFile=/tmp/slurmd/slurmd.pid
NodeName=n1 NodeAddr=127.0.0.1 Port=$((port + 1)) CPUs=2 RealMemory=4000 State=UNKNOWN
NodeName=n2 NodeAddr=127.0.0.1 Port=$((port + 2)) CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
EOF
}

# Runs inside `unshare -m -u`: a private /tmp that still shows $dir, hostname, names resolvable.
write_node_script() {
  cat > "$dir/node.sh" <<'EOF'
#!/bin/sh
set -e
name=$1; dir=$2; tmp=$dir/nodes/$name/tmp
mkdir -p "$tmp"; chmod 1777 "$tmp"
case $dir in /tmp/*) mkdir -p "$tmp/${dir#/tmp/}"; mount --rbind "$dir" "$tmp/${dir#/tmp/}" ;; esac
mount --rbind "$tmp" /tmp
mount --bind "$dir/hosts" /etc/hosts
hostname "$name"
exec /usr/sbin/slurmd -D -N "$name" -f "$dir/slurm.conf"
EOF
  chmod 755 "$dir/node.sh"
  { cat /etc/hosts; echo "127.0.0.1 n1 n2"; } > "$dir/hosts"
}

start() {  # start NAME COMMAND...: in a session of its own, pid recorded for `down`
  name=$1; shift
  setsid "$@" > "$dir/log/$name.out" 2>&1 < /dev/null &
  echo "$name $!" >> "$dir/run/pids"
}

up() {
  [ "$(id -u)" -eq 0 ] || cannot "it needs root (slurmd, namespaces)"
  for b in munged slurmctld slurmd; do
    [ -x "/usr/sbin/$b" ] || cannot "no /usr/sbin/$b (apt-get install slurm-wlm munge)"
  done
  unshare -m -u true 2>/dev/null || cannot "unshare -m -u is not permitted (a container?)"
  [ ! -e "$dir/run/pids" ] || { echo "slurm-cluster: '$dir' already has a cluster" >&2; exit 1; }
  chmod 755 "$dir"
  mkdir -p "$dir/ctld" "$dir/log" "$dir/run" "$dir/munge"
  chmod 700 "$dir/munge"
  head -c 128 /dev/urandom > "$dir/munge/key"
  chmod 400 "$dir/munge/key"
  write_conf
  write_node_script
  export SLURM_CONF="$dir/slurm.conf"

  /usr/sbin/munged --key-file="$dir/munge/key" --socket="$dir/run/munge.sock" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/seed"
  echo "munged $(cat "$dir/run/munged.pid")" >> "$dir/run/pids"
  start slurmctld /usr/sbin/slurmctld -D -i -f "$SLURM_CONF"
  for n in n1 n2; do start "slurmd-$n" unshare -m -u --propagation private "$dir/node.sh" "$n" "$dir"; done
  if ! wait_for 60 idle_nodes; then
    echo "slurm-cluster: the nodes did not become idle in 60 s; logs in $dir/log:" >&2
    tail -n 5 "$dir"/log/*.out "$dir"/log/*.log >&2 || true
    down
    exit 1
  fi
  echo "slurm-cluster: up: export SLURM_CONF=$SLURM_CONF"
}

# Every process in the mount namespace of PID (the node's jobs live there too).
kill_namespace() {
  ns=$(readlink "/proc/$1/ns/mnt" 2>/dev/null) || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  return 0
}

gone() { ! kill -0 "$1" 2>/dev/null; }

down() {
  [ -f "$dir/run/pids" ] || return 0
  while read -r name pid; do
    case $name in slurmd-*) kill_namespace "$pid" ;; *) kill -TERM "$pid" 2>/dev/null || true ;; esac
  done < "$dir/run/pids"
  while read -r name pid; do
    wait_for 30 gone "$pid" || { kill -KILL "$pid" 2>/dev/null || true; }
  done < "$dir/run/pids"
  rm -f "$dir/run/pids"
  echo "slurm-cluster: down"
}

case $action in
  up) up ;;
  down) down ;;
  *) usage ;;
esac
