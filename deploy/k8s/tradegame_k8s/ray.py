"""The Ray cluster that plays experiments' Games: a KubeRay ``RayCluster`` (ray.io/v1).

It runs the tradegame image (with the ``ray`` extra, the Ray version of pyproject), since Ray
tasks import tradegame. The head takes no tasks (``num-cpus: 0``); a worker group of fixed size
between its minimum and maximum plays them. KubeRay makes the head's Service,
``<name>-head-svc``, which experiment Jobs join as a Ray client on port 10001. KubeRay starts each
pod with ``ray start`` under /bin/bash, so the image needs bash. Ray writes under /tmp and its
object store under /dev/shm: both are emptyDirs (the second in memory), the rest is read-only.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .base import (
    RAY_AGENT_PORT,
    RAY_CLIENT_PORT,
    RAY_DASHBOARD_PORT,
    RAY_GCS_PORT,
    api_object,
    container,
    disruption_budget,
    pod_template,
    scratch_volumes,
    tcp_probes,
)
from .config import RegionConfig

NAME = "tradegame-ray"
HEAD_COMPONENT = "ray-head"
WORKER_COMPONENT = "ray-worker"
HEAD_SERVICE = f"{NAME}-head-svc"  # made by KubeRay
RAY_VERSION = "2.60.0"  # pyproject's ray pin; the image must carry the same
UID = 10001  # the tradegame image's user
MOUNTS = {"tmp": "/tmp", "shm": "/dev/shm"}


def client_address() -> str:
    """The address an experiment Job passes to ``--address``: the head's Ray client port."""
    return f"ray://{HEAD_SERVICE}:{RAY_CLIENT_PORT}"


class RayCluster(Construct):
    """The RayCluster custom resource and a disruption budget for each of its groups."""

    def __init__(self, scope: Construct, construct_id: str, config: RegionConfig) -> None:
        super().__init__(scope, construct_id)
        region = config.name
        image = config.images["tradegame"]
        env = [{"name": "HOME", "value": "/tmp"}]
        head = container(
            "ray-head",
            image,
            UID,
            config.resources["ray_head"],
            env=env,
            ports={"gcs": RAY_GCS_PORT, "dashboard": RAY_DASHBOARD_PORT, "client": RAY_CLIENT_PORT},
            mounts=MOUNTS,
            probes=tcp_probes("gcs", initial=10),
        )
        worker = container(
            "ray-worker",
            image,
            UID,
            config.resources["ray_worker"],
            env=env,
            ports={"agent": RAY_AGENT_PORT},
            mounts=MOUNTS,
            probes=tcp_probes("agent", initial=10),
        )
        minimum, replicas, maximum = config.ray_workers
        spec: dict[str, Any] = {
            "rayVersion": RAY_VERSION,
            "enableInTreeAutoscaling": False,
            "headGroupSpec": {
                "serviceType": "ClusterIP",
                "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
                "template": self._pod(HEAD_COMPONENT, region, head),
            },
            "workerGroupSpecs": [
                {
                    "groupName": "games",
                    "replicas": replicas,
                    "minReplicas": minimum,
                    "maxReplicas": maximum,
                    "rayStartParams": {"dashboard-agent-listen-port": str(RAY_AGENT_PORT)},
                    "template": self._pod(WORKER_COMPONENT, region, worker),
                }
            ],
        }
        api_object(self, "ray.io/v1", "RayCluster", NAME, "ray", region, spec=spec)
        disruption_budget(self, HEAD_COMPONENT, HEAD_COMPONENT, region)
        disruption_budget(self, WORKER_COMPONENT, WORKER_COMPONENT, region)

    @staticmethod
    def _pod(component: str, region: str, ray_container: dict[str, Any]) -> dict[str, Any]:
        volumes = scratch_volumes("tmp", memory=["shm"])
        return pod_template(component, region, UID, {"containers": [ray_container], "volumes": volumes})
