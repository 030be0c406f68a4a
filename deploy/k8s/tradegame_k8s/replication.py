"""Streaming replication between the two regions' PostgreSQL servers, from the active to the standby.

Both regions get the same objects: the replication settings on the server (so either can be
promoted and serve a standby later), the ``postgres-replication`` Service (an internal load
balancer open to the peer's CIDRs only, named in DNS by ExternalDNS) and the
``postgres-replication`` NetworkPolicy (the peer's CIDRs on 5432, in and out). The role sets the
values. The active server lists the standby in ``synchronous_standby_names`` when the mode is
synchronous, and its init script (deploy/k8s/postgres-init.sh) makes the ``replicator`` role and
the pg_hba lines that let the peer's CIDRs replicate.

On the standby region an init container copies the primary with ``pg_basebackup -R`` when the
volume is empty, making on the primary the slot it then streams through (an earlier copy's slot
dropped first); the server starts as a hot standby (``standby.signal``). The copy's pg_hba lets
the peer's CIDRs replicate instead of its own, so once promoted it serves the old primary's region
as its standby with no other change. The replication password comes from the
``postgres-credentials`` Secret: pg_basebackup reads it as ``$PGPASSWORD``, and the server's WAL
receiver too (its ``primary_conninfo`` is rewritten without the password ``-R`` put in it, so
none is on the volume). A region's name as a standby (its ``application_name``) and its slot on
the primary are its file's name with ``_`` for ``-``.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from .base import POSTGRES_PORT, api_object, container, secret_env, selector
from .config import RegionConfig
from .secrets import POSTGRES_SECRET, REPLICATION_PASSWORD_KEY

REPLICATOR = "replicator"
REPLICATION_SERVICE = "postgres-replication"  # the Service and the NetworkPolicy
EXTERNAL_DNS_HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
# Equal on every server: a hot standby needs at least its primary's values.
MAX_WAL_SENDERS = 10
MAX_REPLICATION_SLOTS = 10

BASEBACKUP_SCRIPT = f"""set -eu
if [ -s "$PGDATA/PG_VERSION" ]; then
  echo "$PGDATA holds a cluster: the server starts it as it is"
  exit 0
fi
rm -rf "$PGDATA"  # what an interrupted copy left
peer="-h $PRIMARY_HOST -p $PRIMARY_PORT -U {REPLICATOR}"
# A new copy streams from its own start: a slot an earlier copy of this region left goes first.
pg_receivewal $peer --drop-slot -S "$REPLICATION_SLOT" 2>/dev/null || true
pg_basebackup $peer -D "$PGDATA" -R -X stream -C -S "$REPLICATION_SLOT" -c fast
# -R wrote the password into primary_conninfo: keep it off the volume (the server reads $PGPASSWORD).
conf="$PGDATA/postgresql.auto.conf"
grep -v '^primary_conninfo' "$conf" > "$conf.new"
printf "primary_conninfo = 'host=%s port=%s user={REPLICATOR} application_name=%s'\\n" \\
  "$PRIMARY_HOST" "$PRIMARY_PORT" "$PGAPPNAME" >> "$conf.new"
mv "$conf.new" "$conf"
# The copied pg_hba lets this region's own CIDRs replicate; once promoted, the peer's must.
hba="$PGDATA/pg_hba.conf"
grep -v '^host replication {REPLICATOR} ' "$hba" > "$hba.new"
for cidr in $REPLICATION_CIDRS; do
  printf 'host replication {REPLICATOR} %s scram-sha-256\\n' "$cidr" >> "$hba.new"
done
mv "$hba.new" "$hba"
"""


def standby_name(region: str) -> str:
    """A region's server's ``application_name`` as a standby, and the name of its slot on the primary."""
    return region.replace("-", "_")


def server_settings(config: RegionConfig) -> list[str]:
    """The ``-c name=value`` settings of the region's PostgreSQL server."""
    replication = config.replication
    waits_for = f'FIRST 1 ("{standby_name(replication.peer)}")'
    return [
        "wal_level=replica",
        f"max_wal_senders={MAX_WAL_SENDERS}",
        f"max_replication_slots={MAX_REPLICATION_SLOTS}",
        f"max_slot_wal_keep_size={replication.max_slot_wal_keep_size}",
        "hot_standby=on",
        "hot_standby_feedback=on",
        "synchronous_commit=on",
        # Empty on a standby: once promoted, its commits wait for no one until a new standby streams.
        f"synchronous_standby_names={waits_for if replication.synchronous and not config.standby else ''}",
    ]


def server_env(config: RegionConfig) -> list[dict[str, Any]]:
    """What the server container needs for replication: the init script's values on the active
    region, the replication password of the WAL receiver on the standby."""
    replication = config.replication
    if config.standby:
        return [secret_env("PGPASSWORD", POSTGRES_SECRET, REPLICATION_PASSWORD_KEY)]
    return [
        secret_env("REPLICATOR_PASSWORD", POSTGRES_SECRET, REPLICATION_PASSWORD_KEY),
        {"name": "REPLICATION_CIDRS", "value": " ".join(replication.peer_cidrs)},
    ]


def basebackup_container(config: RegionConfig, uid: int, mounts: dict[str, str], pgdata: str) -> dict[str, Any]:
    """The standby's init container: on an empty volume, a ``pg_basebackup -R`` copy of the primary."""
    env = [
        {"name": "PGDATA", "value": pgdata},
        {"name": "PRIMARY_HOST", "value": config.replication.peer_address},
        {"name": "PRIMARY_PORT", "value": str(POSTGRES_PORT)},
        {"name": "REPLICATION_SLOT", "value": standby_name(config.name)},
        {"name": "PGAPPNAME", "value": standby_name(config.name)},
        {"name": "REPLICATION_CIDRS", "value": " ".join(config.replication.peer_cidrs)},
        secret_env("PGPASSWORD", POSTGRES_SECRET, REPLICATION_PASSWORD_KEY),
    ]
    return container(
        "basebackup",
        config.images["postgres"],
        uid,
        config.resources["postgres"],
        command=["sh", "-c", BASEBACKUP_SCRIPT],
        env=env,
        mounts=mounts,
    )


def replication_service(scope: Construct, config: RegionConfig, component: str) -> None:
    """The region's way in for its peer: an internal load balancer open to the peer's CIDRs, its
    DNS name (``address``) kept by ExternalDNS."""
    replication = config.replication
    api_object(
        scope,
        "v1",
        "Service",
        REPLICATION_SERVICE,
        component,
        config.name,
        annotations={**replication.service_annotations, EXTERNAL_DNS_HOSTNAME: replication.address},
        spec={
            "type": "LoadBalancer",
            "selector": selector(component),
            "ports": [{"name": "postgres", "port": POSTGRES_PORT, "targetPort": POSTGRES_PORT, "protocol": "TCP"}],
            "loadBalancerSourceRanges": list(replication.peer_cidrs),
            # The client's address reaches the pod, so the NetworkPolicy's ipBlock can check it.
            "externalTrafficPolicy": "Local",
        },
    )
