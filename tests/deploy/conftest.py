"""The manifests of every region, synthesized once per test session by deploy/k8s (cdk8s runs on
this machine's Node.js through jsii, offline: no chart, schema or image is fetched).
"""

import functools
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
if str(K8S) not in sys.path:
    sys.path.insert(0, str(K8S))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
REGIONS = tuple(sorted(path.stem for path in (K8S / "config").glob("*.toml")))


def require_deploy_extra() -> None:
    """Skip the calling test module when the deploy extra is missing (it is in .[dev]), unless
    ``$TRADEGAME_REQUIRE_DEPLOY`` is 1, as scripts/check sets it: then the import error fails."""
    try:
        import cdk8s  # noqa: F401
        import kubernetes_validate  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as missing:
        if os.environ.get("TRADEGAME_REQUIRE_DEPLOY", "0") == "1":
            raise
        pytest.skip(
            f"the deploy extra is not installed ({missing}): pip install -e '.[deploy]'", allow_module_level=True
        )


@dataclass(frozen=True)
class Manifests:
    """One region's synthesized YAML and its objects."""

    region: str
    text: str
    objects: list[dict[str, Any]]

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [item for item in self.objects if item["kind"] in kinds]


@pytest.fixture(autouse=True, scope="session")
def _schemas_read_once() -> Iterator[None]:
    """kubernetes-validate reads and parses its JSON schemas again for every object (about 60 ms
    each); read each once per session instead (the schemas are not changed by a validation)."""
    import kubernetes_validate.utils

    with pytest.MonkeyPatch.context() as patch:
        cached = functools.lru_cache(maxsize=None)(kubernetes_validate.utils.schema_contents)
        patch.setattr(kubernetes_validate.utils, "schema_contents", cached)
        yield


def _synth(region: str, config_dir: Path = K8S / "config") -> Manifests:
    import yaml

    import tradegame_k8s

    text = tradegame_k8s.synth(tradegame_k8s.load(region, config_dir))
    return Manifests(region, text, [item for item in yaml.safe_load_all(text) if item])


@pytest.fixture(scope="session")
def synthesized() -> dict[str, Manifests]:
    """Every region's manifests, synthesized once for the whole session."""
    return {region: _synth(region) for region in REGIONS}


def fail_over(text: str) -> str:
    """A region file as docs/deploy.md's failover leaves it: the role swapped, and Temporal at 0
    replicas on the new standby, at 1 on the new active region."""
    now_active = 'role = "standby"' in text
    swapped = re.sub(
        r'^role = "(active|standby)"$', f'role = "{"active" if now_active else "standby"}"', text, flags=re.M
    )
    return re.sub(r"^(temporal_\w+) = \d+$", rf"\g<1> = {int(now_active)}", swapped, flags=re.M)


@pytest.fixture(scope="session")
def failed_over(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Manifests]:
    """Every region's manifests after a failover (``fail_over`` applied to each file)."""
    folder = tmp_path_factory.mktemp("failed-over")
    for region in REGIONS:
        text = (K8S / "config" / f"{region}.toml").read_text(encoding="utf-8")
        (folder / f"{region}.toml").write_text(fail_over(text), encoding="utf-8")
    return {region: _synth(region, folder) for region in REGIONS}


@pytest.fixture(params=REGIONS)
def manifests(request: pytest.FixtureRequest, synthesized: dict[str, Manifests]) -> Manifests:
    """One region's manifests (each test runs once per region)."""
    return synthesized[request.param]


def pod_specs(manifests: Manifests) -> list[tuple[str, str, dict[str, Any]]]:
    """(owner kind, owner name, pod template) of every workload, RayCluster groups included."""
    found = []
    for item in manifests.objects:
        kind, name, spec = item["kind"], item["metadata"]["name"], item.get("spec", {})
        if kind in ("Deployment", "StatefulSet", "Job"):
            found.append((kind, name, spec["template"]))
        elif kind == "RayCluster":
            found.append((kind, f"{name}/head", spec["headGroupSpec"]["template"]))
            for group in spec["workerGroupSpecs"]:
                found.append((kind, f"{name}/{group['groupName']}", group["template"]))
    return found


def containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a pod template, init containers included."""
    spec = template["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]
