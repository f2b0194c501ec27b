# Copyright: kube_edge.lb contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The opt-in post-check: proof that each declared pool hands out addresses on the real cluster.

Private to the collection. For each pool a temporary selector-less Service of type LoadBalancer asks
for an address from that pool (annotation ``metallb.io/address-pool``); the check waits, up to a
deadline, until MetalLB's controller has written an address from the pool into
``status.loadBalancer.ingress``. The Services are always deleted again, also on failure or timeout.
"""

from __future__ import annotations

import ipaddress
import re
import time

from ansible_collections.kube_edge.lb.plugins.module_utils._common.errors import DeviceError, KubeEdgeError
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.fields import (
    MANAGED_LABEL,
    MANAGED_VALUE,
    POOL_ANNOTATION,
)
from ansible_collections.kube_edge.lb.plugins.module_utils._k8s.metallb.model import parse_address

# v0.12 only knows the older annotation (v0.13+ still reads it, but the docs use the new one)
V012_POOL_ANNOTATION = "metallb.universe.tf/address-pool"
SERVICE_PREFIX = "kube-edge-lb-check"
POLL_SECONDS = 1.0


def service_name(index, pool_name):
    """A DNS-1035 label (a Service name) unique per pool: the prefix, the pool's position and its name."""
    name = "%s-%d-%s" % (SERVICE_PREFIX, index, re.sub(r"[^a-z0-9-]", "-", pool_name))
    return name[:63].rstrip("-")


def service_body(name, namespace, pool_name, annotation=POOL_ANNOTATION):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {MANAGED_LABEL: MANAGED_VALUE},
            "annotations": {annotation: pool_name},
        },
        "spec": {"type": "LoadBalancer", "ports": [{"name": "check", "port": 80, "protocol": "TCP"}]},
    }


def assigned_addresses(service):
    ingress = (((service or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [entry["ip"] for entry in ingress if isinstance(entry, dict) and entry.get("ip")]


def in_pool(address, pool):
    """True when ``address`` lies in one of the pool's entries."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in pool["addresses"]:
        try:
            _version, networks, _widest = parse_address(entry)
        except ValueError:
            continue
        if any(ip in network for network in networks):
            return True
    return False


def run_post_check(client, namespace, pools, timeout, fmt="crds", sleep=time.sleep, clock=time.monotonic):
    """Prove each pool assigns an address; -> [{pool, service, address, seconds}]; KubeEdgeError naming the pools that did not.

    Whatever happens, every Service this check created is deleted before it returns or raises.
    """
    annotation = V012_POOL_ANNOTATION if fmt == "configmap" else POOL_ANNOTATION
    created = []  # (pool, service name)
    results = {}
    problems = []
    started = clock()
    try:
        for index, pool in enumerate(pools):
            name = service_name(index, pool["name"])
            _create_service(client, namespace, service_body(name, namespace, pool["name"], annotation))
            created.append((pool, name))
        waiting = list(created)
        deadline = started + timeout
        while waiting:
            still = []
            for pool, name in waiting:
                addresses = assigned_addresses(client.get("v1", "services", name, namespace=namespace))
                if not addresses:
                    still.append((pool, name))
                    continue
                outside = [address for address in addresses if not in_pool(address, pool)]
                if outside:
                    problems.append(
                        "pool %s: the Service got %s, which is not in the pool (%s)"
                        % (pool["name"], ", ".join(outside), ", ".join(pool["addresses"]))
                    )
                results[pool["name"]] = {
                    "pool": pool["name"],
                    "service": name,
                    "address": addresses[0],
                    "seconds": round(clock() - started, 2),
                }
            waiting = still
            if waiting and clock() + POLL_SECONDS > deadline:
                reasons = allocation_failures(client, namespace, [name for _pool, name in waiting])
                unknown = (
                    "no event from the MetalLB controller: is it running?"
                    if reasons is not None
                    else "the Events that would say why could not be read"
                )
                for pool, name in waiting:
                    problems.append(
                        "pool %s gave the Service %s no address within %ss (%s)"
                        % (pool["name"], name, timeout, (reasons or {}).get(name) or unknown)
                    )
                break
            if waiting:
                sleep(POLL_SECONDS)
    except KubeEdgeError as error:  # the API refused a Service or a read: still delete what was created
        problems.append(str(error).rstrip("."))
    finally:
        leftovers = _delete_services(client, namespace, [name for _pool, name in created])
    if leftovers:
        problems.append(
            "the temporary Service%s %s could not be deleted: delete %s by hand"
            % ("s" if len(leftovers) > 1 else "", ", ".join(leftovers), "them" if len(leftovers) > 1 else "it")
        )
    if problems:
        raise KubeEdgeError("post_check failed: %s." % "; ".join(problems))
    return [results[pool["name"]] for pool in pools]


def allocation_failures(client, namespace, names):
    """{service name: the MetalLB controller's last AllocationFailed message} from the namespace's Events; None if unreadable."""
    try:
        events = client.list("v1", "events", namespace=namespace)
    except KubeEdgeError:  # no right to list Events: the reason is a nicety, the timeout is the failure
        return None
    reasons = {}
    for event in sorted(events, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or ""):
        involved = event.get("involvedObject") or {}
        if (
            involved.get("kind") == "Service"
            and involved.get("name") in names
            and event.get("reason") == "AllocationFailed"
        ):
            reasons[involved["name"]] = "MetalLB: %s" % event.get("message")
    return reasons


def _create_service(client, namespace, body):
    """Create the Service; one left behind by an interrupted earlier check (our label) is replaced."""
    try:
        client.create("v1", "services", body, namespace=namespace)
    except DeviceError as error:
        if error.status != 409:
            raise
        existing = client.get("v1", "services", body["metadata"]["name"], namespace=namespace)
        if (((existing or {}).get("metadata") or {}).get("labels") or {}).get(MANAGED_LABEL) != MANAGED_VALUE:
            raise KubeEdgeError(
                "post_check cannot create Service %s/%s: a Service of that name exists and is not ours"
                % (namespace, body["metadata"]["name"])
            ) from None
        client.delete("v1", "services", body["metadata"]["name"], namespace=namespace)
        client.create("v1", "services", body, namespace=namespace)


def _delete_services(client, namespace, names):
    """Delete each Service (a missing one is fine); -> the names that could not be deleted."""
    leftovers = []
    for name in names:
        try:
            client.delete("v1", "services", name, namespace=namespace)
        except KubeEdgeError:
            leftovers.append("%s/%s" % (namespace, name))
    return leftovers
