"""tradegame's OCI image (deploy/image, scripts/build-image).

The file checks run always (milliseconds). Building the image takes 3.5-4.5 minutes here (a clean
build: mmdebstrap, the wheelhouse, buildah with the vfs driver), too long for the default run, so
the build-and-play test runs only with ``TRADEGAME_BUILD_IMAGE=1`` (as root, with mmdebstrap and
buildah installed): it builds the image, then plays bundled Games inside it as its non-root user.
"""

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE_DIR = ROOT / "deploy" / "image"
CONTAINERFILE = (IMAGE_DIR / "Containerfile").read_text()
BUILD_TOOLS = ("gcc", "cpp", "make", "binutils", "apt", "python3-pip", "python3-venv", "libc6-dev", "g++")


def _stages() -> list[str]:
    """The Containerfile's stages, each from its FROM line."""
    return re.split(r"(?m)^(?=FROM )", CONTAINERFILE)[1:]


def _lock_lines(name: str) -> list[str]:
    """The non-comment lines of a lock file."""
    lines = (IMAGE_DIR / name).read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_two_stages_on_the_projects_own_base() -> None:
    assert len(_stages()) == 2
    assert re.search(r"(?m)^ARG BASE=localhost/tradegame-base:bookworm$", CONTAINERFILE)
    assert all(stage.startswith("FROM ${BASE}") for stage in _stages())
    assert "latest" not in CONTAINERFILE


def test_final_stage_is_non_root_with_entry_point_and_health_command() -> None:
    final = _stages()[-1]
    assert re.search(r"(?m)^USER 10001:10001$", final)
    assert re.search(r'(?m)^ENTRYPOINT \["tradegame"\]$', final)
    assert re.search(r'(?m)^HEALTHCHECK .*CMD \["tradegame", "data", "list", "--json"\]$', final)
    copies = re.findall(r"(?m)^COPY .*$", final)
    assert copies == ["COPY --from=build /opt/tradegame /opt/tradegame", "COPY examples/ /examples/"]


def test_python_dependencies_are_locked_by_hash() -> None:
    lines = _lock_lines("requirements.lock") + _lock_lines("pip.lock")
    assert lines and all(re.fullmatch(r"[a-z0-9._-]+==\S+ --hash=sha256:[0-9a-f]{64}", line) for line in lines)
    locked = {line.split("==")[0]: line.split("==")[1].split()[0] for line in lines}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=\[ ]", requirement)[0].lower().replace("_", "-")
        assert name in locked, name
    ray_pin = next(r for r in project["optional-dependencies"]["ray"] if r.startswith("ray=="))
    assert locked["ray"] == ray_pin.split("==")[1]
    assert {"grpcio", "aiohttp", "opencensus", "prometheus-client"} <= locked.keys()  # ray[default]


def test_debian_packages_are_pinned_and_hold_no_build_tools() -> None:
    packages = dict(line.split("=", 1) for line in _lock_lines("debian.lock"))
    assert all(re.fullmatch(r"[0-9][\w.:+~-]*", version) for version in packages.values())
    assert {"python3", "bash", "ca-certificates", "libstdc++6"} <= packages.keys()
    assert not set(BUILD_TOOLS) & packages.keys()


@pytest.fixture(scope="module")
def container() -> Iterator[list[str]]:
    """Build the image with scripts/build-image, then yield a `buildah run` prefix for it."""
    if os.environ.get("TRADEGAME_BUILD_IMAGE", "0") != "1":
        pytest.skip("set TRADEGAME_BUILD_IMAGE=1 to build the image (3.5-4.5 min, as root)")
    env = dict(os.environ, PYTHON=sys.executable, STORAGE_DRIVER="vfs", BUILDAH_ISOLATION="chroot")
    subprocess.run(["bash", "scripts/build-image"], cwd=ROOT, env=env, check=True)
    name = subprocess.run(
        ["buildah", "from", "tradegame:0.1.0"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    yield ["buildah", "run", name, "--"]
    subprocess.run(["buildah", "rm", name], env=env, check=True, capture_output=True)


def _run(prefix: list[str], *args: str) -> str:
    """Run a command inside the image's container; its stdout."""
    env = dict(os.environ, STORAGE_DRIVER="vfs", BUILDAH_ISOLATION="chroot")
    return subprocess.run([*prefix, *args], env=env, check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_image_plays_bundled_games_as_its_user(container: list[str]) -> None:
    assert _run(container, "id", "-u").strip() == "10001"
    sma = json.loads(_run(container, "tradegame", "play", "/examples/games/sma-2008.toml", "--json"))
    assert (sma["outcome"], sma["final_value"], sma["score"]) == ("completed", "130214.50", "22963.02")
    demo = json.loads(_run(container, "tradegame", "demo", "--json", "--report", "/tmp/demo.html"))
    assert (demo["final_value"], demo["score"]) == ("332728.82", "161022.71")
    assert json.loads(_run(container, "tradegame", "data", "list", "--json"))  # the health command


@pytest.mark.slow
def test_image_has_ray_and_no_build_tools(container: list[str]) -> None:
    assert _run(container, "python3", "-c", "import ray, grpc, aiohttp; print(ray.__version__)").strip() == "2.60.0"
    found = _run(container, "bash", "-c", f"for t in pip pip3 {' '.join(BUILD_TOOLS)}; do command -v $t; done; true")
    assert found == ""
