"""PostgreSQL for tradegame's Games and for Temporal: a StatefulSet with its own volume per pod.

The official image runs as its ``postgres`` user (uid 999) with a read-only root filesystem (its
socket, temporary files and shared memory on emptyDirs). On an empty data directory an init script makes the
roles and databases ``tradegame`` (owner tradegame) and ``temporal``, ``temporal_visibility``
(owner temporal), their passwords read from the ``postgres-credentials`` Secret (the script is
deploy/k8s/postgres-init.sh, so Helm users can pass the same file to their chart), and on the
active region the ``replicator`` role, slot and pg_hba lines of the standby (replication.py). On
the standby region an init container fills the empty volume with a copy of the primary and the
server starts as its hot standby, so the init script never runs there.
The owner's Helm equivalent (bitnami/postgresql or CloudNativePG) is in docs/deploy.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from constructs import Construct

from .base import (
    POSTGRES_PORT,
    api_object,
    container,
    disruption_budget,
    exec_probes,
    labels,
    pod_template,
    scratch_volumes,
    secret_env,
    selector,
    service,
)
from .config import RegionConfig
from .replication import basebackup_container, replication_service, server_env, server_settings
from .secrets import POSTGRES_SECRET

COMPONENT = "postgres"
HOST = "postgres"
UID = 999  # the postgres user of the official Debian-based image
DATA = "/var/lib/postgresql/data"
PGDATA = f"{DATA}/pgdata"

INIT_SCRIPT = Path(__file__).resolve().parents[1] / "postgres-init.sh"


class Postgres(Construct):
    """The StatefulSet, its headless and client Services, the init script and a disruption budget."""

    def __init__(self, scope: Construct, construct_id: str, config: RegionConfig) -> None:
        super().__init__(scope, construct_id)
        region = config.name
        api_object(
            self,
            "v1",
            "ConfigMap",
            "postgres-init",
            COMPONENT,
            region,
            data={"10-roles.sh": INIT_SCRIPT.read_text(encoding="utf-8")},
        )
        ports = {"postgres": POSTGRES_PORT}
        service(self, HOST, COMPONENT, region, ports)
        service(self, f"{HOST}-headless", COMPONENT, region, ports, headless=True)
        replication_service(self, config, COMPONENT)
        disruption_budget(self, HOST, COMPONENT, region)
        env = [
            {"name": "POSTGRES_USER", "value": "postgres"},
            secret_env("POSTGRES_PASSWORD", POSTGRES_SECRET, "superuser-password"),
            secret_env("TRADEGAME_PASSWORD", POSTGRES_SECRET, "tradegame-password"),
            secret_env("TEMPORAL_PASSWORD", POSTGRES_SECRET, "temporal-password"),
            {"name": "PGDATA", "value": PGDATA},
            *server_env(config),
        ]
        mounts = {"data": DATA, "run": "/var/run/postgresql", "tmp": "/tmp"}
        server = container(
            "postgres",
            config.images["postgres"],
            UID,
            config.resources["postgres"],
            args=["postgres", *(word for setting in server_settings(config) for word in ("-c", setting))],
            env=env,
            ports=ports,
            mounts={
                **mounts,
                "shm": "/dev/shm",  # dynamic shared memory: more than a container's default 64 MiB
                "init": "/docker-entrypoint-initdb.d",
            },
            probes=exec_probes(["pg_isready", "--host=127.0.0.1", "--username=postgres"], initial=10, period=10),
        )
        volumes = [
            *scratch_volumes("run", "tmp", memory=["shm"]),
            {"name": "init", "configMap": {"name": "postgres-init", "defaultMode": 0o555}},
        ]
        pod: dict[str, Any] = {"containers": [server], "volumes": volumes, "terminationGracePeriodSeconds": 60}
        if config.standby:
            pod["initContainers"] = [basebackup_container(config, UID, mounts, PGDATA)]
        api_object(
            self,
            "apps/v1",
            "StatefulSet",
            HOST,
            COMPONENT,
            region,
            spec={
                "serviceName": f"{HOST}-headless",
                # One server: more pods of this image would be separate databases, not replicas.
                # The standby is the other region's server (replication.py; docs/deploy.md).
                "replicas": 1,
                "selector": {"matchLabels": selector(COMPONENT)},
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                "template": pod_template(COMPONENT, region, UID, pod),
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data", "labels": labels(COMPONENT, region)},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "storageClassName": config.storage_class,
                            "resources": {"requests": {"storage": config.postgres_storage}},
                        },
                    }
                ],
            },
        )
