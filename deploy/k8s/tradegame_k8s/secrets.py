"""Secrets, referenced from the cloud's secret store only: no secret value is in the repository.

The External Secrets Operator reads one entry of the region's store (AWS Secrets Manager, Google
Secret Manager, ...; the provider block comes from the region's file) and writes the Kubernetes
Secrets the pods read: ``postgres-credentials``, ``tradegame-db`` (the database URL) and
``temporal-db``. The store entry holds the properties ``superuser_password``,
``tradegame_password``, ``temporal_password`` and ``replication_password`` (the ``replicator``
role's: the same value in the active and the standby region's store).
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .base import api_object
from .config import RegionConfig

ESO_API = "external-secrets.io/v1"
POSTGRES_SECRET = "postgres-credentials"
TRADEGAME_DB_SECRET = "tradegame-db"
TEMPORAL_DB_SECRET = "temporal-db"
REPLICATION_PASSWORD_KEY = "replication-password"  # of POSTGRES_SECRET


class ExternalSecrets(Construct):
    """The SecretStore (when namespaced), its ServiceAccount and one ExternalSecret per Secret."""

    def __init__(self, scope: Construct, construct_id: str, config: RegionConfig, postgres_host: str) -> None:
        super().__init__(scope, construct_id)
        store = config.secret_store
        region = config.name
        if store["kind"] == "SecretStore":
            self._store(config)
        ref = {"name": store["name"], "kind": store["kind"]}
        key = store["remote_key"]
        self._external(
            POSTGRES_SECRET,
            ref,
            key,
            region,
            {
                "superuser-password": "superuser_password",
                "tradegame-password": "tradegame_password",
                "temporal-password": "temporal_password",
                REPLICATION_PASSWORD_KEY: "replication_password",
            },
        )
        # urlquery escapes every reserved character, and a space as "+": made "%20" for a URL's
        # password (a "+" of the password itself is already "%2B").
        password = '{{ .password | urlquery | replace "+" "%20" }}'
        url = f"postgresql://tradegame:{password}@{postgres_host}:5432/tradegame"
        self._external(TRADEGAME_DB_SECRET, ref, key, region, {"password": "tradegame_password"}, {"TRADEGAME_DB": url})
        self._external(TEMPORAL_DB_SECRET, ref, key, region, {"password": "temporal_password"})

    def _store(self, config: RegionConfig) -> None:
        store = config.secret_store
        account = store["service_account"]
        api_object(
            self,
            "v1",
            "ServiceAccount",
            account,
            "secrets",
            config.name,
            annotations=store.get("service_account_annotations", {}),
            automountServiceAccountToken=False,
        )
        api_object(
            self,
            ESO_API,
            "SecretStore",
            store["name"],
            "secrets",
            config.name,
            spec={"provider": _plain(store["provider"])},
        )

    def _external(
        self,
        name: str,
        store_ref: dict[str, str],
        remote_key: str,
        region: str,
        properties: dict[str, str],
        template: dict[str, str] | None = None,
    ) -> None:
        target: dict[str, Any] = {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"}
        if template is not None:
            target["template"] = {"engineVersion": "v2", "data": template}
        api_object(
            self,
            ESO_API,
            "ExternalSecret",
            name,
            "secrets",
            region,
            spec={
                "refreshInterval": "1h",
                "secretStoreRef": store_ref,
                "target": target,
                "data": [
                    {"secretKey": secret_key, "remoteRef": {"key": remote_key, "property": prop}}
                    for secret_key, prop in properties.items()
                ],
            },
        )


def _plain(value: Any) -> Any:
    """A TOML table as plain dicts and lists (tomllib's are already; this copies them)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
