"""Building blocks every construct uses: labels, non-root pods and containers, probes, a Service
and a PodDisruptionBudget. Plain Kubernetes objects as cdk8s ``ApiObject``s (no imported schema).

Every pod runs as a fixed non-root user with the RuntimeDefault seccomp profile; every container
drops all capabilities, may not escalate, and has its root filesystem read-only unless its image
writes its own configuration at start (the caller says so, and why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cdk8s
from constructs import Construct

from .config import Resources

APP = "tradegame"
COMPONENT = "app.kubernetes.io/component"
RUNTIME_DEFAULT = {"type": "RuntimeDefault"}

# The ports every part listens on; the NetworkPolicies allow exactly these.
POSTGRES_PORT = 5432
TEMPORAL_FRONTEND_PORT = 7233
TEMPORAL_UI_PORT = 8080
RAY_GCS_PORT = 6379
RAY_DASHBOARD_PORT = 8265
RAY_CLIENT_PORT = 10001
RAY_AGENT_PORT = 52365
# Temporal's services: (gRPC port, membership port) each.
TEMPORAL_SERVICES = {
    "frontend": (7233, 6933),
    "history": (7234, 6934),
    "matching": (7235, 6935),
    "worker": (7239, 6939),
}


def labels(component: str, region: str) -> dict[str, str]:
    """The labels of every object of a component (its selector is the first two)."""
    return {
        "app.kubernetes.io/name": APP,
        COMPONENT: component,
        "app.kubernetes.io/part-of": APP,
        "app.kubernetes.io/managed-by": "cdk8s",
        "tradegame.io/region": region,
    }


def selector(component: str) -> dict[str, str]:
    """The pod selector of a component."""
    return {"app.kubernetes.io/name": APP, COMPONENT: component}


def api_object(
    scope: Construct,
    api_version: str,
    kind: str,
    name: str,
    component: str,
    region: str,
    *,
    extra_labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    **fields: Any,
) -> cdk8s.ApiObject:
    """The object ``kind``/``name`` with its component's labels; ``fields`` (``spec``, ``data``, ...)
    are written as given, keys unchanged."""
    metadata: dict[str, Any] = {"name": name, "labels": {**labels(component, region), **(extra_labels or {})}}
    if annotations:
        metadata["annotations"] = dict(annotations)
    made = cdk8s.ApiObject(scope, f"{kind}-{name}", api_version=api_version, kind=kind, metadata=metadata)
    for field, value in fields.items():
        made.add_json_patch(cdk8s.JsonPatch.add(f"/{field}", value))
    return made


def pod_security(uid: int) -> dict[str, Any]:
    """A pod's securityContext: this user and group, never root, RuntimeDefault seccomp."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": RUNTIME_DEFAULT,
    }


def container(
    name: str,
    image: str,
    uid: int,
    resources: Resources,
    *,
    args: Sequence[str] | None = None,
    command: Sequence[str] | None = None,
    env: Sequence[Mapping[str, Any]] = (),
    ports: Mapping[str, int] | None = None,
    mounts: Mapping[str, str] | None = None,
    probes: Mapping[str, Mapping[str, Any]] | None = None,
    read_only_root: bool = True,
) -> dict[str, Any]:
    """One container: non-root, no capabilities, requests and limits, its probes and mounts."""
    spec: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "resources": resources.as_k8s(),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": uid,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": read_only_root,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": RUNTIME_DEFAULT,
        },
    }
    if command is not None:
        spec["command"] = list(command)
    if args is not None:
        spec["args"] = list(args)
    if env:
        spec["env"] = [dict(item) for item in env]
    if ports:
        spec["ports"] = [{"name": port_name, "containerPort": port} for port_name, port in ports.items()]
    if mounts:
        spec["volumeMounts"] = [{"name": volume, "mountPath": path} for volume, path in mounts.items()]
    for kind, probe in (probes or {}).items():
        spec[kind] = dict(probe)
    return spec


def tcp_probes(port: int | str, *, initial: int = 10, period: int = 10) -> dict[str, dict[str, Any]]:
    """Liveness and readiness on a TCP port."""
    check = {"tcpSocket": {"port": port}}
    return _both(check, initial, period, timeout=3)


def exec_probes(command: Sequence[str], *, initial: int = 10, period: int = 15) -> dict[str, dict[str, Any]]:
    """Liveness and readiness by running a command in the container."""
    check = {"exec": {"command": list(command)}}
    return _both(check, initial, period, timeout=10)


def http_probes(path: str, port: int | str, *, initial: int = 10, period: int = 10) -> dict[str, dict[str, Any]]:
    """Liveness and readiness by an HTTP GET."""
    check = {"httpGet": {"path": path, "port": port}}
    return _both(check, initial, period, timeout=3)


def _both(check: Mapping[str, Any], initial: int, period: int, timeout: int) -> dict[str, dict[str, Any]]:
    ready = {**check, "initialDelaySeconds": initial, "periodSeconds": period, "timeoutSeconds": timeout}
    live = {**ready, "initialDelaySeconds": initial * 3, "failureThreshold": 6}
    return {"livenessProbe": live, "readinessProbe": ready}


def secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    """An environment variable read from a key of a Secret (made by an ExternalSecret)."""
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def scratch_volumes(*names: str, memory: Sequence[str] = ()) -> list[dict[str, Any]]:
    """emptyDir volumes for the paths a read-only container writes (``memory``: tmpfs)."""
    volumes: list[dict[str, Any]] = [{"name": name, "emptyDir": {}} for name in names]
    volumes += [{"name": name, "emptyDir": {"medium": "Memory"}} for name in memory]
    return volumes


def service(
    scope: Construct, name: str, component: str, region: str, ports: Mapping[str, int], *, headless: bool = False
) -> cdk8s.ApiObject:
    """A ClusterIP Service (or a headless one) in front of a component's pods."""
    spec: dict[str, Any] = {
        "selector": selector(component),
        "ports": [{"name": port_name, "port": port, "targetPort": port} for port_name, port in ports.items()],
    }
    if headless:
        spec["clusterIP"] = "None"
    return api_object(
        scope,
        "v1",
        "Service",
        name,
        component,
        region,
        spec=spec,
    )


def disruption_budget(scope: Construct, name: str, component: str, region: str) -> cdk8s.ApiObject:
    """A PodDisruptionBudget: at most one pod of the component is evicted at a time.

    maxUnavailable 1 rather than minAvailable = replicas, so that a node drain can still move a
    single-replica component; with two or more replicas the others stay up meanwhile.
    """
    return api_object(
        scope,
        "policy/v1",
        "PodDisruptionBudget",
        name,
        component,
        region,
        spec={"selector": {"matchLabels": selector(component)}, "maxUnavailable": 1},
    )


def pod_template(component: str, region: str, uid: int, spec: Mapping[str, Any]) -> dict[str, Any]:
    """A pod template: labels, the non-root security context, no service-account token."""
    return {
        "metadata": {"labels": labels(component, region)},
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": pod_security(uid),
            **spec,
        },
    }


def deployment(
    scope: Construct, name: str, component: str, region: str, uid: int, replicas: int, pod: Mapping[str, Any]
) -> cdk8s.ApiObject:
    """A Deployment of ``replicas`` pods, with its PodDisruptionBudget."""
    disruption_budget(scope, name, component, region)
    return api_object(
        scope,
        "apps/v1",
        "Deployment",
        name,
        component,
        region,
        spec={
            "replicas": replicas,
            "selector": {"matchLabels": selector(component)},
            "template": pod_template(component, region, uid, pod),
        },
    )
