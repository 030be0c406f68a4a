"""The Temporal server (frontend, history, matching, worker) and its UI, on the PostgreSQL here.

A Job makes and upgrades the schemas of the databases ``temporal`` and ``temporal_visibility``
with the admin tools' ``temporal-sql-tool`` (the servers restart until it has run). On a standby
region the Job is created suspended and the services are at 0 replicas (its config): its
PostgreSQL is a read-only copy of the active region's, schemas included, until it is promoted.
Each service is its own Deployment of the server image, configured by its environment
(``DB=postgres12``, visibility on SQL: no Elasticsearch). The owner's Helm equivalent (temporalio/helm-charts with
``elasticsearch.enabled=false``) is in docs/deploy.md.

The server and UI images write their configuration file from a template when they start, so
their root filesystems stay writable; everything else about them is locked down.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .base import (
    TEMPORAL_FRONTEND_PORT,
    TEMPORAL_SERVICES,
    TEMPORAL_UI_PORT,
    api_object,
    container,
    deployment,
    http_probes,
    pod_template,
    scratch_volumes,
    secret_env,
    service,
    tcp_probes,
)
from .config import RegionConfig
from .secrets import TEMPORAL_DB_SECRET

UID = 1000  # the temporal user of the server, admin-tools and UI images
FRONTEND_HOST = "temporal-frontend"
SCHEMA_COMPONENT = "temporal-schema"
UI_COMPONENT = "temporal-ui"

SCHEMA_SCRIPT = """set -eu
for db in temporal temporal_visibility; do
  schema=$([ "$db" = temporal ] && echo temporal || echo visibility)
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$schema/versioned"
done
"""


def component(service_name: str) -> str:
    """The component label of a Temporal service (``temporal-frontend``, ...)."""
    return f"temporal-{service_name}"


class Temporal(Construct):
    """The schema Job, one Deployment per Temporal service, the frontend Service and the UI."""

    def __init__(self, scope: Construct, construct_id: str, config: RegionConfig, postgres_host: str) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self._schema_job(postgres_host)
        for name, (grpc, membership) in TEMPORAL_SERVICES.items():
            self._server(name, grpc, membership, postgres_host)
        service(self, FRONTEND_HOST, component("frontend"), config.name, {"grpc": TEMPORAL_FRONTEND_PORT})
        self._ui()

    def _schema_job(self, postgres_host: str) -> None:
        config = self.config
        env = [
            {"name": "SQL_PLUGIN", "value": "postgres12"},
            {"name": "SQL_HOST", "value": postgres_host},
            {"name": "SQL_PORT", "value": "5432"},
            {"name": "SQL_USER", "value": "temporal"},
            secret_env("SQL_PASSWORD", TEMPORAL_DB_SECRET, "password"),
        ]
        tools = container(
            "schema",
            config.images["temporal_admin_tools"],
            UID,
            config.resources["temporal"],
            command=["sh", "-c", SCHEMA_SCRIPT],
            env=env,
            mounts={"tmp": "/tmp"},
        )
        pod = {"restartPolicy": "OnFailure", "containers": [tools], "volumes": scratch_volumes("tmp")}
        api_object(
            self,
            "batch/v1",
            "Job",
            SCHEMA_COMPONENT,
            SCHEMA_COMPONENT,
            config.name,
            spec={
                "suspend": config.standby,  # the standby's PostgreSQL is read-only until promoted
                "backoffLimit": 20,
                "ttlSecondsAfterFinished": 86400,
                "template": pod_template(SCHEMA_COMPONENT, config.name, UID, pod),
            },
        )

    def _server(self, name: str, grpc: int, membership: int, postgres_host: str) -> None:
        config = self.config
        env: list[dict[str, Any]] = [
            {"name": "SERVICES", "value": name},
            {"name": "DB", "value": "postgres12"},
            {"name": "DB_PORT", "value": "5432"},
            {"name": "POSTGRES_SEEDS", "value": postgres_host},
            {"name": "POSTGRES_USER", "value": "temporal"},
            secret_env("POSTGRES_PWD", TEMPORAL_DB_SECRET, "password"),
            {"name": "DBNAME", "value": "temporal"},
            {"name": "VISIBILITY_DBNAME", "value": "temporal_visibility"},
            {"name": "ENABLE_ES", "value": "false"},
            {"name": "NUM_HISTORY_SHARDS", "value": str(config.temporal_history_shards)},
            {"name": "BIND_ON_IP", "value": "0.0.0.0"},
            {"name": "TEMPORAL_BROADCAST_ADDRESS", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "PUBLIC_FRONTEND_ADDRESS", "value": f"{FRONTEND_HOST}:{TEMPORAL_FRONTEND_PORT}"},
        ]
        server = container(
            name,
            config.images["temporal_server"],
            UID,
            config.resources["temporal"],
            env=env,
            ports={"grpc": grpc, "membership": membership},
            mounts={"tmp": "/tmp"},
            probes=tcp_probes("grpc", initial=15),
            read_only_root=False,  # the image writes config/docker.yaml from its template at start
        )
        deployment(
            self,
            component(name),
            component(name),
            config.name,
            UID,
            config.replicas[f"temporal_{name}"],
            {"containers": [server], "volumes": scratch_volumes("tmp")},
        )

    def _ui(self) -> None:
        config = self.config
        env = [
            {"name": "TEMPORAL_ADDRESS", "value": f"{FRONTEND_HOST}:{TEMPORAL_FRONTEND_PORT}"},
            {"name": "TEMPORAL_UI_PORT", "value": str(TEMPORAL_UI_PORT)},
        ]
        ui = container(
            "ui",
            config.images["temporal_ui"],
            UID,
            config.resources["temporal_ui"],
            env=env,
            ports={"http": TEMPORAL_UI_PORT},
            mounts={"tmp": "/tmp"},
            probes=http_probes("/healthz", "http"),
            read_only_root=False,  # the image writes its config file from a template at start
        )
        deployment(
            self,
            UI_COMPONENT,
            UI_COMPONENT,
            config.name,
            UID,
            config.replicas["temporal_ui"],
            {"containers": [ui], "volumes": scratch_volumes("tmp")},
        )
        service(self, UI_COMPONENT, UI_COMPONENT, config.name, {"http": TEMPORAL_UI_PORT})
