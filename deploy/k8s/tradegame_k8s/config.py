"""One region's deployment values, read from ``deploy/k8s/config/<name>.toml``.

The constructs read every value that differs between regions and clouds from here (images,
storage class, sizes, replicas, the secret store and its cloud provider block, this region's side
of the replication between the regions' PostgreSQL servers); the code that builds the manifests
is the same for all of them. A file with a missing or unknown field, or a bad value, is refused
with one message naming the file and the field.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
REPO_ROOT = Path(__file__).resolve().parents[3]

_COMPONENTS = ("postgres", "temporal", "temporal_ui", "ray_head", "ray_worker", "experiment", "live")
_IMAGES = ("tradegame", "postgres", "temporal_server", "temporal_admin_tools", "temporal_ui")
_REPLICAS = ("temporal_frontend", "temporal_history", "temporal_matching", "temporal_worker", "temporal_ui", "live")


class ConfigError(ValueError):
    """A region file is missing a field, has an unknown one, or a value of the wrong kind."""


@dataclass(frozen=True)
class Resources:
    """Requests and limits of one container (Kubernetes quantities, e.g. ``"500m"``, ``"1Gi"``)."""

    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str

    def as_k8s(self) -> dict[str, dict[str, str]]:
        """The container's ``resources`` block."""
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
        }


@dataclass(frozen=True)
class Experiment:
    """An experiment Job: its name and the experiment file (a path in the repository)."""

    name: str
    file: str


@dataclass(frozen=True)
class Replication:
    """This region's side of the streaming replication between the two regions' PostgreSQL.

    ``role`` says which side it is today: the active region's server takes the writes and streams
    its WAL to the peer's, a hot standby, through a slot named after that standby; both files name
    the same ``mode``. ``address`` is this region's ``postgres-replication`` Service as the peer resolves
    it, ``cidrs`` the ranges its connections come from; ``peer_address`` and ``peer_cidrs`` are
    the peer's (they equal the peer file's ``address`` and ``cidrs``). A failover swaps the roles.
    """

    role: str
    mode: str
    peer: str
    address: str
    cidrs: tuple[str, ...]
    peer_address: str
    peer_cidrs: tuple[str, ...]
    max_slot_wal_keep_size: str
    service_annotations: Mapping[str, str]

    @property
    def synchronous(self) -> bool:
        """Whether the primary's commits wait for the standby."""
        return self.mode == "synchronous"


@dataclass(frozen=True)
class RegionConfig:
    """Every value of one region on one cloud."""

    name: str
    cloud: str
    region: str
    namespace: str
    storage_class: str
    images: Mapping[str, str]
    secret_store: Mapping[str, Any]
    postgres_storage: str
    temporal_history_shards: int
    replicas: Mapping[str, int]
    ray_workers: tuple[int, int, int]  # min, replicas, max
    resources: Mapping[str, Resources]
    experiments: tuple[Experiment, ...]
    live_game: str
    ui_ingress_namespace: str
    replication: Replication

    @property
    def role(self) -> str:
        """``active`` or ``standby``: the role of this region's PostgreSQL today."""
        return self.replication.role

    @property
    def standby(self) -> bool:
        """Whether this region's PostgreSQL is a read-only standby (nothing that writes runs here)."""
        return self.role == "standby"


def load(name: str, config_dir: Path = CONFIG_DIR) -> RegionConfig:
    """Read ``<config_dir>/<name>.toml``; ConfigError names the file and field on any problem."""
    path = config_dir / f"{name}.toml"
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    reader = _Reader(path, raw)
    config = RegionConfig(
        name=reader.matching("name", _REGION, "lower-case letters, digits or -"),
        cloud=reader.text("cloud"),
        region=reader.text("region"),
        namespace=reader.text("namespace"),
        storage_class=reader.text("storage_class"),
        images={image: reader.text(f"images.{image}") for image in _IMAGES},
        secret_store=reader.table("secret_store"),
        postgres_storage=reader.text("postgres.storage"),
        temporal_history_shards=reader.integer("temporal.history_shards"),
        replicas={part: reader.integer(f"replicas.{part}") for part in _REPLICAS},
        ray_workers=(
            reader.integer("ray.min_workers"),
            reader.integer("ray.workers"),
            reader.integer("ray.max_workers"),
        ),
        resources={part: _resources(reader, part) for part in _COMPONENTS},
        experiments=tuple(
            Experiment(name=reader.text(f"experiments.{index}.name"), file=reader.text(f"experiments.{index}.file"))
            for index in range(len(reader.list_of_tables("experiments")))
        ),
        live_game=reader.text("live.game"),
        ui_ingress_namespace=reader.text("temporal.ui_ingress_namespace"),
        replication=_replication(reader),
    )
    if config.name != name:
        raise ConfigError(f"{path}: name: expected {name!r} (the file's name), got {config.name!r}")
    if config.replication.peer == name:
        raise ConfigError(f"{path}: replication.peer: expected another region than this file's, got {name!r}")
    running = [part for part in _WRITERS if config.replicas[part]]
    if config.standby and running:
        raise ConfigError(
            f"{path}: replicas.{running[0]}: expected 0 on a standby region (its PostgreSQL is read-only), "
            f"got {config.replicas[running[0]]}"
        )
    reader.refuse_unknown("", _TOP_LEVEL)
    reader.refuse_unknown("images", set(_IMAGES))
    reader.refuse_unknown("replicas", set(_REPLICAS))
    reader.refuse_unknown("resources", set(_COMPONENTS))
    return config


_ROLES = ("active", "standby")
_MODES = ("synchronous", "asynchronous")
_REPLICATION = (
    "role", "mode", "peer", "address", "cidrs", "peer_address", "peer_cidrs", "max_slot_wal_keep_size",
    "service_annotations",
)  # fmt: skip
# What writes to PostgreSQL, or serves Temporal: at 0 replicas on a standby region.
_WRITERS = ("temporal_frontend", "temporal_history", "temporal_matching", "temporal_worker", "temporal_ui", "live")
_REGION = re.compile(r"[a-z0-9-]{1,63}")  # a region file's name: its slot is that name with _ for -
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_WAL_SIZE = re.compile(r"[1-9][0-9]*(MB|GB|TB)")


def _replication(reader: _Reader) -> Replication:
    """The ``[replication]`` table, each field checked."""
    reader.refuse_unknown("replication", set(_REPLICATION))
    host = "a host name or an IP address"
    return Replication(
        role=reader.one_of("replication.role", _ROLES),
        mode=reader.one_of("replication.mode", _MODES),
        peer=reader.matching("replication.peer", _REGION, "the peer region's name"),
        address=reader.matching("replication.address", _HOST, host),
        cidrs=reader.cidrs("replication.cidrs"),
        peer_address=reader.matching("replication.peer_address", _HOST, host),
        peer_cidrs=reader.cidrs("replication.peer_cidrs"),
        max_slot_wal_keep_size=reader.matching("replication.max_slot_wal_keep_size", _WAL_SIZE, "e.g. 50GB"),
        service_annotations=reader.strings("replication.service_annotations"),
    )


def _resources(reader: _Reader, part: str) -> Resources:
    key = f"resources.{part}"
    return Resources(
        cpu_request=reader.text(f"{key}.cpu_request"),
        memory_request=reader.text(f"{key}.memory_request"),
        cpu_limit=reader.text(f"{key}.cpu_limit"),
        memory_limit=reader.text(f"{key}.memory_limit"),
    )


_TOP_LEVEL = {
    "name", "cloud", "region", "namespace", "storage_class", "images", "secret_store",
    "postgres", "temporal", "replicas", "ray", "resources", "experiments", "live", "replication",
}  # fmt: skip


class _Reader:
    """Typed access to dotted keys of one file, each problem naming the file and the key."""

    def __init__(self, path: Path, raw: Mapping[str, Any]) -> None:
        self.path = path
        self.raw = raw

    def _get(self, dotted: str) -> Any:
        node: Any = self.raw
        for part in dotted.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                raise ConfigError(f"{self.path}: {dotted}: missing")
        return node

    def text(self, dotted: str) -> str:
        value = self._get(dotted)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{self.path}: {dotted}: expected a non-empty string, got {value!r}")
        return value

    def integer(self, dotted: str) -> int:
        value = self._get(dotted)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{self.path}: {dotted}: expected a whole number >= 0, got {value!r}")
        return value

    def table(self, dotted: str) -> Mapping[str, Any]:
        value = self._get(dotted)
        if not isinstance(value, Mapping):
            raise ConfigError(f"{self.path}: {dotted}: expected a table, got {value!r}")
        return value

    def list_of_tables(self, dotted: str) -> list[Mapping[str, Any]]:
        value = self._get(dotted)
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise ConfigError(f"{self.path}: {dotted}: expected an array of tables, got {value!r}")
        return value

    def matching(self, dotted: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(dotted)
        if not pattern.fullmatch(value):
            raise ConfigError(f"{self.path}: {dotted}: expected {what}, got {value!r}")
        return value

    def one_of(self, dotted: str, choices: tuple[str, ...]) -> str:
        value = self.text(dotted)
        if value not in choices:
            raise ConfigError(f"{self.path}: {dotted}: expected one of {list(choices)}, got {value!r}")
        return value

    def cidrs(self, dotted: str) -> tuple[str, ...]:
        """A non-empty array of network addresses (``10.20.0.0/16``; no host bits set)."""
        value = self._get(dotted)
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{self.path}: {dotted}: expected a non-empty array of CIDRs, got {value!r}")
        for index in range(len(value)):
            cidr = self.text(f"{dotted}.{index}")
            try:
                ipaddress.ip_network(cidr)
            except ValueError as error:
                raise ConfigError(f"{self.path}: {dotted}: {error}") from None
        return tuple(value)

    def strings(self, dotted: str) -> dict[str, str]:
        """A table of non-empty strings (annotations: their keys hold dots, so no dotted access)."""
        table = self.table(dotted)
        for key, value in table.items():
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{self.path}: {dotted}: {key!r}: expected a non-empty string, got {value!r}")
        return dict(table)

    def refuse_unknown(self, dotted: str, known: set[str]) -> None:
        table = self.table(dotted) if dotted else self.raw
        unknown = sorted(set(table) - known)
        if unknown:
            where = f"{dotted}.{unknown[0]}" if dotted else unknown[0]
            raise ConfigError(f"{self.path}: {where}: unknown field (expected one of {sorted(known)})")
