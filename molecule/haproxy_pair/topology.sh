#!/usr/bin/env bash
# An HAProxy pair's network and instances, made and removed by the test: the haproxy_pair scenario
# (molecule create/destroy, benchmarks/bench_haproxy_pair.py) and the embedded lab (tests/lab/lab.py),
# each under its own names. Everything lives in network namespaces of its own; nothing touches the
# host's interfaces or podman's networks, and 192.0.2.0/24 (TEST-NET-1, documentation only) is never
# routed out of them, so both copies can hold the same addresses at once:
#
#   netns <prefix>-lan: bridge br0 (no address)
#     |- veth -> netns <prefix>-lb1     eth0 192.0.2.11  (container 1: HAProxy + keepalived)
#     |- veth -> netns <prefix>-lb2     eth0 192.0.2.12  (container 2: HAProxy + keepalived)
#     |- veth -> netns <prefix>-nodes   eth0 192.0.2.31, 192.0.2.32 (lab nodes: nginx like ingress-nginx)
#     '- veth -> netns <prefix>-client  eth0 192.0.2.20  (the client sending requests to the VIP)
#   VIP 192.0.2.100, held by keepalived (VRRP router id 51, unicast between .11 and .12).
#
#   topology.sh up       make the namespaces, the bridge and the veths; start the lab nodes and, when
#                        named, the two containers (systemd booted, apt cache marked fresh). A complete
#                        copy already up is left alone (its apt cache is marked fresh again).
#   topology.sh down     remove the containers, stop the nodes, delete the namespaces (their veths
#                        and the bridge go with them)
#   topology.sh status   exit 0 when every part is up, 3 otherwise; one line per part
#
# Environment (the defaults are the molecule scenario's):
#   KUBE_EDGE_PAIR_PREFIX      namespace name prefix, at most 8 characters (kepair; the lab: kelab)
#   KUBE_EDGE_PAIR_STATE_DIR   the nodes' state, pid and log (.cache/haproxy_pair)
#   KUBE_EDGE_PAIR_CONTAINERS  two container names, in the -lb1 and -lb2 namespaces; empty: no containers
#   KUBE_EDGE_PAIR_IMAGE       the image they run (systemd, HAProxy and keepalived preinstalled: nothing
#                              can be downloaded from inside the namespaces)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${KUBE_EDGE_PAIR_PREFIX:-kepair}
state=${KUBE_EDGE_PAIR_STATE_DIR:-$root/.cache/haproxy_pair}
read -r -a containers <<<"${KUBE_EDGE_PAIR_CONTAINERS:-}"
image=${KUBE_EDGE_PAIR_IMAGE:-}
python="$root/.venv/bin/python"
[ -x "$python" ] || python=python3
# Interface names are at most 15 characters: the bridge side of each veth is named after its namespace.
# The prefix names network namespaces and interfaces (15 characters at most with the longest suffix).
[[ $prefix =~ ^[a-z][a-z0-9]{0,7}$ ]] || {
  echo "topology.sh: KUBE_EDGE_PAIR_PREFIX=$prefix must be 1 to 8 lower-case letters and digits, starting with a letter" >&2
  exit 2
}
case ${#containers[@]} in
  0|2) ;;
  *) echo "topology.sh: KUBE_EDGE_PAIR_CONTAINERS names ${#containers[@]} containers, not 2" >&2; exit 2 ;;
esac
namespaces=("$prefix-client" "$prefix-nodes" "$prefix-lb2" "$prefix-lb1" "$prefix-lan")
node_addresses=(192.0.2.31 192.0.2.32)

attach() {  # attach NAMESPACE ADDRESS...: a veth from the bridge into NAMESPACE, named eth0 there
  local ns=$1; shift
  ip netns add "$ns"
  ip -n "$prefix-lan" link add "$ns" type veth peer name eth0 netns "$ns"
  ip -n "$prefix-lan" link set "$ns" master br0 up
  ip -n "$ns" link set lo up
  for address in "$@"; do ip -n "$ns" addr add "$address/24" dev eth0; done
  ip -n "$ns" link set eth0 up
}

nodes_pid() {  # the nodes launcher's pid when it runs
  local pid
  pid=$(cat "$state/nodes.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

status() {
  local missing=0 ns name running
  for ns in "${namespaces[@]}"; do
    if [ -e "/run/netns/$ns" ]; then echo "netns $ns: present"; else echo "netns $ns: absent"; missing=1; fi
  done
  if nodes_pid >/dev/null; then echo "nodes: running (pid $(nodes_pid))"; else echo "nodes: stopped"; missing=1; fi
  for name in "${containers[@]}"; do
    running=$(podman container inspect --format '{{.State.Running}}' "$name" 2>/dev/null || echo absent)
    echo "container $name: $([ "$running" = true ] && echo running || echo "${running/false/stopped}")"
    [ "$running" = true ] || missing=1
  done
  return $((missing * 3))
}

start_container() {  # start_container NAME NAMESPACE
  podman run --detach --name "$1" --hostname "$1" --network "ns:/run/netns/$2" --systemd always \
    --cap-add SYS_ADMIN,NET_ADMIN,NET_RAW --stop-timeout 5 --label "kube-edge-pair=$prefix" \
    "$image" /sbin/init >/dev/null
}

wait_for_systemd() {  # the roles start services right away: systemd must have booted
  local name=$1 booted
  for _ in $(seq 120); do
    booted=$(podman exec "$name" systemctl is-system-running 2>/dev/null || true)
    case $booted in running|degraded) return 0 ;; esac
    sleep 0.5
  done
  echo "topology.sh: systemd in $name did not finish booting in 60 s ($booted)" >&2
  return 1
}

mark_apt_cache_fresh() {
  # The roles' apt tasks (cache_valid_time) would update a cache older than an hour, and the instances
  # cannot reach a mirror: their packages are preinstalled, so every `up` marks the cache as just updated.
  local name
  for name in "${containers[@]}"; do
    podman exec "$name" sh -c 'mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp'
  done
}

up() {
  if status >/dev/null; then
    echo "topology.sh: $prefix is already up" >&2
    mark_apt_cache_fresh
    return 0
  fi
  if [ ${#containers[@]} -gt 0 ] && [ -z "$image" ]; then
    echo "topology.sh: KUBE_EDGE_PAIR_IMAGE is not set (the image of ${containers[*]})" >&2
    exit 2
  fi
  down
  mkdir -p "$state"
  ip netns add "$prefix-lan"
  ip -n "$prefix-lan" link add br0 type bridge
  ip -n "$prefix-lan" link set br0 up
  attach "$prefix-lb1" 192.0.2.11
  attach "$prefix-lb2" 192.0.2.12
  attach "$prefix-nodes" "${node_addresses[@]}"
  attach "$prefix-client" 192.0.2.20
  # HAProxy binds the VIP on both hosts; the standby does not hold it (a per-namespace sysctl, which a
  # container cannot set itself: /proc/sys is read-only there).
  for ns in "$prefix-lb1" "$prefix-lb2"; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1; done
  # setsid: the nodes outlive this script and whoever ran it (lab.py stops them by pid, through down).
  setsid ip netns exec "$prefix-nodes" "$python" "$root/tests/lab/nodes.py" --state-dir "$state/nodes" \
    --node "node01,rke-cluster-npd,${node_addresses[0]}" --node "node02,rke-cluster-npd,${node_addresses[1]}" \
    --hostnames rke-cluster-npd=dev.example.com </dev/null >"$state/nodes.out" 2>&1 &
  echo $! >"$state/nodes.pid"
  for name_ns in "${containers[0]:-}:$prefix-lb1" "${containers[1]:-}:$prefix-lb2"; do
    [ -z "${name_ns%%:*}" ] || start_container "${name_ns%%:*}" "${name_ns#*:}"
  done
  for address in "${node_addresses[@]}"; do
    for _ in $(seq 100); do
      ip netns exec "$prefix-nodes" "$python" -c "import socket; socket.create_connection(('$address', 80), 1)" 2>/dev/null && break
      sleep 0.2
    done
  done
  for name in "${containers[@]}"; do wait_for_systemd "$name"; done
  mark_apt_cache_fresh
}

down() {
  for name in "${containers[@]}"; do
    podman rm --force --time 5 "$name" >/dev/null 2>&1 || true
  done
  if [ -f "$state/nodes.pid" ]; then
    kill "$(cat "$state/nodes.pid")" 2>/dev/null || true
    rm -f "$state/nodes.pid"
  fi
  for ns in "${namespaces[@]}"; do
    ip netns delete "$ns" 2>/dev/null || true
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
