"""tradegame itself: one Job per experiment (its Games played on the Ray cluster) and a
long-running Deployment kept for live Games.

The experiment files (and the base Game each names) are copied from the repository into a
ConfigMap at synth time and mounted at /experiments, so a Job plays exactly the reviewed file.
``experiment run`` skips the Games already in the database, so a retried Job goes on where the
failed one stopped. On a standby region the Jobs are created suspended (its PostgreSQL is a
read-only standby); unsuspending them is a step of the failover. The database URL comes from the
``tradegame-db`` Secret (an ExternalSecret).

tradegame has no live broker yet: the live Deployment plays a bundled Game paced at one Round a
second as its stand-in, and both regions keep it at 0 replicas until live Games exist.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from constructs import Construct

from .base import api_object, container, deployment, exec_probes, pod_template, scratch_volumes, secret_env
from .config import REPO_ROOT, RegionConfig
from .ray import UID, client_address
from .secrets import TRADEGAME_DB_SECRET

EXPERIMENT_COMPONENT = "experiment"
LIVE_COMPONENT = "live"
EXPERIMENTS_DIR = "/experiments"
GAMES_DIR = "/games"
DATA_DIR = "/var/lib/tradegame/data"


def _files_with_base_games(paths: list[str]) -> dict[str, str]:
    """Each experiment file's text and that of the base Game it names, by file name."""
    files: dict[str, str] = {}
    for relative in paths:
        path = REPO_ROOT / relative
        text = path.read_text(encoding="utf-8")
        files[path.name] = text
        base = tomllib.loads(text).get("experiment", {}).get("game")
        if base:
            base_path = (path.parent / base).resolve()
            if base_path.parent != path.parent.resolve():
                raise ValueError(f"{relative}: experiment.game {base!r} must sit beside the experiment file")
            files[base_path.name] = base_path.read_text(encoding="utf-8")
    return files


def _env() -> list[dict[str, Any]]:
    return [
        secret_env("TRADEGAME_DB", TRADEGAME_DB_SECRET, "TRADEGAME_DB"),
        {"name": "TRADEGAME_DATA", "value": DATA_DIR},
        {"name": "HOME", "value": "/tmp"},
    ]


class Workloads(Construct):
    """The experiments' ConfigMap and Jobs, the live Game's ConfigMap and Deployment."""

    def __init__(self, scope: Construct, construct_id: str, config: RegionConfig) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        files = _files_with_base_games([experiment.file for experiment in config.experiments])
        self._config_map("tradegame-experiments", EXPERIMENT_COMPONENT, files)
        for experiment in config.experiments:
            self._job(experiment.name, Path(experiment.file).name)
        self._live()

    def _config_map(self, name: str, component: str, files: dict[str, str]) -> None:
        api_object(self, "v1", "ConfigMap", name, component, self.config.name, data=files)

    def _job(self, name: str, file_name: str) -> None:
        config = self.config
        args = ["experiment", "run", f"{EXPERIMENTS_DIR}/{file_name}", "--engine", "ray"]
        player = container(
            "experiment",
            config.images["tradegame"],
            UID,
            config.resources["experiment"],
            args=[*args, "--address", client_address(), "--json"],
            env=_env(),
            mounts={"experiments": EXPERIMENTS_DIR, "tmp": "/tmp", "data": DATA_DIR},
        )
        volumes = [
            {"name": "experiments", "configMap": {"name": "tradegame-experiments"}},
            *scratch_volumes("tmp", "data"),
        ]
        pod = {"restartPolicy": "Never", "containers": [player], "volumes": volumes}
        api_object(
            self,
            "batch/v1",
            "Job",
            f"experiment-{name}",
            EXPERIMENT_COMPONENT,
            config.name,
            spec={
                "suspend": config.standby,  # the standby's PostgreSQL is read-only until promoted
                "backoffLimit": 4,
                "activeDeadlineSeconds": 6 * 3600,
                "ttlSecondsAfterFinished": 7 * 86400,
                "template": pod_template(EXPERIMENT_COMPONENT, config.name, UID, pod),
            },
        )

    def _live(self) -> None:
        config = self.config
        game = REPO_ROOT / config.live_game
        self._config_map("tradegame-live-games", LIVE_COMPONENT, {game.name: game.read_text(encoding="utf-8")})
        game_path = f"{GAMES_DIR}/{game.name}"
        player = container(
            "live",
            config.images["tradegame"],
            UID,
            config.resources["live"],
            args=["play", game_path, "--pace", "1"],
            env=_env(),
            mounts={"games": GAMES_DIR, "tmp": "/tmp", "data": DATA_DIR},
            probes=exec_probes(["tradegame", "check", game_path], initial=20, period=60),
        )
        volumes = [
            {"name": "games", "configMap": {"name": "tradegame-live-games"}},
            *scratch_volumes("tmp", "data"),
        ]
        deployment(
            self,
            "tradegame-live",
            LIVE_COMPONENT,
            config.name,
            UID,
            config.replicas["live"],
            {"containers": [player], "volumes": volumes},
        )
