#!/usr/bin/env bash
# The haproxy_pair scenario's network, made and removed by the test (molecule create/destroy and
# benchmarks/bench_haproxy_pair.py). Everything lives in network namespaces of its own; nothing touches
# the host's interfaces or podman's networks, and 192.0.2.0/24 (TEST-NET-1, documentation only) is
# never routed out of them:
#
#   netns kepair-lan: bridge br0 (no address)
#     |- veth -> netns kepair-lb1     eth0 192.0.2.11  (container kube-edge-pair-lb1: HAProxy + keepalived)
#     |- veth -> netns kepair-lb2     eth0 192.0.2.12  (container kube-edge-pair-lb2: HAProxy + keepalived)
#     |- veth -> netns kepair-nodes   eth0 192.0.2.31, 192.0.2.32 (lab nodes: nginx like ingress-nginx)
#     '- veth -> netns kepair-client  eth0 192.0.2.20  (the client sending requests to the VIP)
#   VIP 192.0.2.100, held by keepalived (VRRP router id 51, unicast between .11 and .12).
#
#   topology.sh up      make the namespaces, the bridge and the veths; start the lab nodes
#   topology.sh down    stop the nodes, delete the namespaces (their veths and the bridge go with them)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state="$root/.cache/haproxy_pair"
python="$root/.venv/bin/python"
[ -x "$python" ] || python=python3

attach() {  # attach NAMESPACE ADDRESS...: a veth from the bridge into NAMESPACE, named eth0 there
  local ns=$1; shift
  ip netns add "$ns"
  ip -n kepair-lan link add "$ns" type veth peer name eth0 netns "$ns"
  ip -n kepair-lan link set "$ns" master br0 up
  ip -n "$ns" link set lo up
  for address in "$@"; do ip -n "$ns" addr add "$address/24" dev eth0; done
  ip -n "$ns" link set eth0 up
}

up() {
  down
  mkdir -p "$state"
  ip netns add kepair-lan
  ip -n kepair-lan link add br0 type bridge
  ip -n kepair-lan link set br0 up
  attach kepair-lb1 192.0.2.11
  attach kepair-lb2 192.0.2.12
  attach kepair-nodes 192.0.2.31 192.0.2.32
  attach kepair-client 192.0.2.20
  # HAProxy binds the VIP on both hosts; the standby does not hold it (a per-namespace sysctl, which a
  # container cannot set itself: /proc/sys is read-only there).
  for ns in kepair-lb1 kepair-lb2; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1; done
  ip netns exec kepair-nodes "$python" "$root/tests/lab/nodes.py" --state-dir "$state/nodes" \
    --node node01,rke-cluster-npd,192.0.2.31 --node node02,rke-cluster-npd,192.0.2.32 \
    --hostnames rke-cluster-npd=dev.example.com >"$state/nodes.out" 2>&1 &
  echo $! >"$state/nodes.pid"
  for address in 192.0.2.31 192.0.2.32; do
    for _ in $(seq 100); do
      ip netns exec kepair-nodes "$python" -c "import socket; socket.create_connection(('$address', 80), 1)" 2>/dev/null && break
      sleep 0.2
    done
  done
}

down() {
  if [ -f "$state/nodes.pid" ]; then
    kill "$(cat "$state/nodes.pid")" 2>/dev/null || true
    rm -f "$state/nodes.pid"
  fi
  for ns in kepair-client kepair-nodes kepair-lb2 kepair-lb1 kepair-lan; do
    ip netns delete "$ns" 2>/dev/null || true
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
