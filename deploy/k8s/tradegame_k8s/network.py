"""NetworkPolicies: nothing may connect in the namespace, then each flow a part needs is allowed,
by name, at both of its ends (egress from the clients, ingress to the servers).

The flows are the table ``FLOWS``; DNS (every pod to the cluster's DNS on port 53) and the
ingress controller's namespace to the Temporal UI are the two flows that cross the namespace.
Ray's head and workers reach each other on every port: Ray picks most of its ports at start.
Replication crosses the regions: PostgreSQL to and from the peer region's CIDRs (replication.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from .base import (
    APP,
    COMPONENT,
    POSTGRES_PORT,
    RAY_CLIENT_PORT,
    RAY_DASHBOARD_PORT,
    TEMPORAL_FRONTEND_PORT,
    TEMPORAL_SERVICES,
    TEMPORAL_UI_PORT,
    api_object,
)
from .config import RegionConfig
from .postgres import COMPONENT as POSTGRES
from .ray import HEAD_COMPONENT, WORKER_COMPONENT
from .replication import REPLICATION_SERVICE
from .temporal import SCHEMA_COMPONENT, UI_COMPONENT, component
from .workloads import EXPERIMENT_COMPONENT, LIVE_COMPONENT

TRADEGAME = (EXPERIMENT_COMPONENT, LIVE_COMPONENT)
TEMPORAL_SERVERS = tuple(component(name) for name in TEMPORAL_SERVICES)
TEMPORAL_SERVER_PORTS = tuple(sorted(port for pair in TEMPORAL_SERVICES.values() for port in pair))
RAY = (HEAD_COMPONENT, WORKER_COMPONENT)


@dataclass(frozen=True)
class Flow:
    """Pods of ``sources`` may open TCP connections to pods of ``targets`` on ``ports`` (() = any)."""

    name: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    ports: tuple[int, ...]


FLOWS = (
    Flow("tradegame-to-postgres", TRADEGAME, (POSTGRES,), (POSTGRES_PORT,)),
    Flow("temporal-to-postgres", (*TEMPORAL_SERVERS, SCHEMA_COMPONENT), (POSTGRES,), (POSTGRES_PORT,)),
    Flow("tradegame-to-temporal", TRADEGAME, (component("frontend"),), (TEMPORAL_FRONTEND_PORT,)),
    Flow("ui-to-temporal", (UI_COMPONENT,), (component("frontend"),), (TEMPORAL_FRONTEND_PORT,)),
    Flow("temporal-internode", TEMPORAL_SERVERS, TEMPORAL_SERVERS, TEMPORAL_SERVER_PORTS),
    Flow("experiments-to-ray", (EXPERIMENT_COMPONENT,), (HEAD_COMPONENT,), (RAY_CLIENT_PORT, RAY_DASHBOARD_PORT)),
    Flow("ray-internode", RAY, RAY, ()),
)


def _pods(components: tuple[str, ...]) -> dict[str, Any]:
    return {
        "matchLabels": {"app.kubernetes.io/name": APP},
        "matchExpressions": [{"key": COMPONENT, "operator": "In", "values": list(components)}],
    }


def _ports(ports: tuple[int, ...]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _rule(peer_key: str, peers: list[dict[str, Any]], ports: tuple[int, ...]) -> dict[str, Any]:
    rule: dict[str, Any] = {peer_key: peers}
    if ports:
        rule["ports"] = _ports(ports)
    return rule


class NetworkPolicies(Construct):
    """Default deny, DNS, the flows of ``FLOWS`` and the UI's way in."""

    def __init__(self, scope: Construct, construct_id: str, config: RegionConfig) -> None:
        super().__init__(scope, construct_id)
        self.region = config.name
        self._policy("default-deny", {}, ingress=[], egress=[])
        dns_peer = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
        dns_ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
        self._policy("allow-dns", {}, egress=[{"to": [dns_peer], "ports": dns_ports}])
        for flow in FLOWS:
            to_targets = _rule("to", [{"podSelector": _pods(flow.targets)}], flow.ports)
            from_sources = _rule("from", [{"podSelector": _pods(flow.sources)}], flow.ports)
            self._policy(f"{flow.name}-egress", _pods(flow.sources), egress=[to_targets])
            self._policy(f"{flow.name}-ingress", _pods(flow.targets), ingress=[from_sources])
        namespace_labels = {"kubernetes.io/metadata.name": config.ui_ingress_namespace}
        ingress_namespace = {"namespaceSelector": {"matchLabels": namespace_labels}}
        self._policy(
            "ingress-to-ui-ingress",
            _pods((UI_COMPONENT,)),
            ingress=[_rule("from", [ingress_namespace], (TEMPORAL_UI_PORT,))],
        )
        # Replication, in from the peer (copying or streaming from here) and out to it (when the standby).
        peer_region = [{"ipBlock": {"cidr": cidr}} for cidr in config.replication.peer_cidrs]
        self._policy(
            REPLICATION_SERVICE,
            _pods((POSTGRES,)),
            ingress=[_rule("from", peer_region, (POSTGRES_PORT,))],
            egress=[_rule("to", peer_region, (POSTGRES_PORT,))],
        )

    def _policy(
        self,
        name: str,
        pod_selector: dict[str, Any],
        *,
        ingress: list[dict[str, Any]] | None = None,
        egress: list[dict[str, Any]] | None = None,
    ) -> None:
        spec: dict[str, Any] = {"podSelector": pod_selector, "policyTypes": []}
        if ingress is not None:
            spec["policyTypes"].append("Ingress")
            spec["ingress"] = ingress
        if egress is not None:
            spec["policyTypes"].append("Egress")
            spec["egress"] = egress
        api_object(self, "networking.k8s.io/v1", "NetworkPolicy", name, "network", self.region, spec=spec)
