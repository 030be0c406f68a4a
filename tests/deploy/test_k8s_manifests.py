"""deploy/k8s synthesizes offline for two regions on two clouds; the result equals the committed
snapshot, and every object validates against the Kubernetes schemas (kubernetes-validate, strict,
at a pinned Kubernetes version).

The custom resources (KubeRay's RayCluster, the External Secrets Operator's ExternalSecret and
SecretStore) have no schema in kubernetes-validate: their structure is checked here by hand, and
the pod templates inside a RayCluster are validated as Kubernetes PodTemplates.
"""

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import K8S, REGIONS, ROOT, Manifests, require_deploy_extra

require_deploy_extra()

from kubernetes_validate.utils import SchemaNotFoundError, ValidationError, validate  # noqa: E402

import tradegame_k8s  # noqa: E402

KUBERNETES_VERSION = "1.33.0"  # tradegame_k8s.chart.KUBERNETES_VERSION, validated here
UPDATE = "python deploy/k8s/main.py --snapshot"
CUSTOM_KINDS = {
    ("ray.io/v1", "RayCluster"),
    ("external-secrets.io/v1", "ExternalSecret"),
    ("external-secrets.io/v1", "SecretStore"),
}


def test_two_regions_on_two_clouds_share_one_code() -> None:
    configs = [tradegame_k8s.load(region) for region in REGIONS]
    assert len({config.cloud for config in configs}) >= 2
    assert len({config.region for config in configs}) >= 2
    pinned = tradegame_k8s.chart.KUBERNETES_VERSION
    assert pinned == "v" + KUBERNETES_VERSION.rsplit(".", 1)[0], "the tests validate the version the chart names"


def test_regions_differ_in_values_not_in_objects(synthesized: dict[str, Manifests]) -> None:
    names = {  # a SecretStore is named after its provider (aws-secrets-manager, ...)
        region: sorted(
            (item["kind"], item["metadata"]["name"]) for item in found.objects if item["kind"] != "SecretStore"
        )
        for region, found in synthesized.items()
    }
    first, *others = names.values()
    assert all(other == first for other in others), "every region has the same objects"
    texts = [found.text for found in synthesized.values()]
    assert len(set(texts)) == len(texts), "and their values differ"


def test_synth_equals_the_committed_snapshot(manifests: Manifests) -> None:
    snapshot = K8S / "snapshots" / f"{manifests.region}.yaml"
    committed = snapshot.read_text(encoding="utf-8") if snapshot.exists() else ""
    assert manifests.text == committed, (
        f"{snapshot.relative_to(ROOT)} is not what deploy/k8s synthesizes now; if the change is meant, "
        f"update it with: {UPDATE}"
    )


def test_every_builtin_object_validates_against_the_kubernetes_schema(manifests: Manifests) -> None:
    validated = 0
    for item in manifests.objects:
        if (item["apiVersion"], item["kind"]) in CUSTOM_KINDS:
            continue
        validate(item, KUBERNETES_VERSION, strict=True)
        validated += 1
    assert validated >= 40


def test_the_schema_check_refuses_a_broken_deployment(manifests: Manifests) -> None:
    deployment = copy.deepcopy(manifests.of_kind("Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limit"] = {"cpu": "1"}  # a typo
    with pytest.raises(ValidationError):
        validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment = copy.deepcopy(manifests.of_kind("Deployment")[0])
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(ValidationError):
        validate(deployment, KUBERNETES_VERSION, strict=True)


def test_only_known_custom_kinds_lack_a_schema(manifests: Manifests) -> None:
    for item in manifests.objects:
        if (item["apiVersion"], item["kind"]) in CUSTOM_KINDS:
            with pytest.raises(SchemaNotFoundError):
                validate(item, KUBERNETES_VERSION, strict=True)


def _ray_pin() -> str:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [dep for dep in pyproject["project"]["optional-dependencies"]["ray"] if dep.startswith("ray==")]
    return pin.removeprefix("ray==")


def _as_pod_template(template: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "check"}, "template": template}


def test_raycluster_structure_and_its_pods_validate(manifests: Manifests) -> None:
    (cluster,) = manifests.of_kind("RayCluster")
    assert cluster["apiVersion"] == "ray.io/v1"
    spec = cluster["spec"]
    assert spec["rayVersion"] == _ray_pin(), "the cluster's Ray is the one pyproject pins"
    head = spec["headGroupSpec"]
    groups = spec["workerGroupSpecs"]
    assert groups, "at least one worker group"
    for group in [head, *groups]:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in group["rayStartParams"].items())
        assert group["template"]["spec"]["containers"], "a Ray pod has a container"
        validate(_as_pod_template(group["template"]), KUBERNETES_VERSION, strict=True)
    for group in groups:
        assert isinstance(group["groupName"], str) and group["groupName"]
        assert 0 <= group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]


def test_external_secrets_structure(manifests: Manifests) -> None:
    stores = {item["metadata"]["name"]: item for item in manifests.of_kind("SecretStore")}
    for store in stores.values():
        assert len(store["spec"]["provider"]) == 1, "one provider per store"
    externals = manifests.of_kind("ExternalSecret")
    assert externals
    for external in externals:
        spec = external["spec"]
        ref = spec["secretStoreRef"]
        assert ref["kind"] in ("SecretStore", "ClusterSecretStore")
        if ref["kind"] == "SecretStore":
            assert ref["name"] in stores, f"{external['metadata']['name']}: its SecretStore is in the manifests"
        assert re.fullmatch(r"\d+[smh]", spec["refreshInterval"])
        assert spec["target"]["name"] == external["metadata"]["name"]
        assert spec["data"]
        for entry in spec["data"]:
            assert entry["secretKey"] and entry["remoteRef"]["key"] and entry["remoteRef"]["property"]


def test_experiment_jobs_play_the_repository_files_on_ray(manifests: Manifests) -> None:
    config = tradegame_k8s.load(manifests.region)
    (files,) = [item for item in manifests.of_kind("ConfigMap") if item["metadata"]["name"] == "tradegame-experiments"]
    jobs = {item["metadata"]["name"]: item for item in manifests.of_kind("Job")}
    for experiment in config.experiments:
        source = ROOT / experiment.file
        assert files["data"][source.name] == source.read_text(encoding="utf-8")
        base = tomllib.loads(source.read_text(encoding="utf-8"))["experiment"]["game"]
        assert files["data"][Path(base).name] == (source.parent / base).read_text(encoding="utf-8")
        (player,) = jobs[f"experiment-{experiment.name}"]["spec"]["template"]["spec"]["containers"]
        args = player["args"]
        assert args[:3] == ["experiment", "run", f"/experiments/{source.name}"]
        assert args[args.index("--engine") + 1] == "ray"
        assert args[args.index("--address") + 1] == "ray://tradegame-ray-head-svc:10001"
        (db,) = [env for env in player["env"] if env["name"] == "TRADEGAME_DB"]
        assert db["valueFrom"]["secretKeyRef"]["name"] == "tradegame-db"


def test_a_config_with_a_missing_field_names_the_file_and_field(tmp_path: Path) -> None:
    text = (K8S / "config" / "aws-us-east-1.toml").read_text(encoding="utf-8")
    (tmp_path / "aws-us-east-1.toml").write_text(text.replace('storage = "200Gi"\n', ""), encoding="utf-8")
    with pytest.raises(tradegame_k8s.ConfigError, match=r"aws-us-east-1\.toml: postgres\.storage: missing"):
        tradegame_k8s.load("aws-us-east-1", tmp_path)
    (tmp_path / "aws-us-east-1.toml").write_text("replica = 3\n" + text, encoding="utf-8")
    with pytest.raises(tradegame_k8s.ConfigError, match=r"replica: unknown field"):
        tradegame_k8s.load("aws-us-east-1", tmp_path)
    misspelt = text.replace("temporal_matching = 2", "temporal_matchin = 2")
    (tmp_path / "aws-us-east-1.toml").write_text(misspelt, encoding="utf-8")
    with pytest.raises(tradegame_k8s.ConfigError, match=r"replicas\.temporal_matching: missing"):
        tradegame_k8s.load("aws-us-east-1", tmp_path)
    (tmp_path / "aws-us-east-1.toml").write_text(text.replace("live = 0", "live = 0\nlve = 1"), encoding="utf-8")
    with pytest.raises(tradegame_k8s.ConfigError, match=r"replicas\.lve: unknown field"):
        tradegame_k8s.load("aws-us-east-1", tmp_path)


def test_the_mounted_files_load_with_tradegames_own_readers(synthesized: dict[str, Manifests], tmp_path: Path) -> None:
    """The experiment and live-Game ConfigMaps, written out as Kubernetes mounts them, are read by
    tradegame as the Jobs and the live Deployment will read them (base Games found beside them)."""
    from tradegame.experiments.prepare import load_experiment
    from tradegame.io.gamefile import load_game

    found = next(iter(synthesized.values()))
    maps = {item["metadata"]["name"]: item["data"] for item in found.of_kind("ConfigMap")}
    for name, folder in (("tradegame-experiments", "experiments"), ("tradegame-live-games", "games")):
        (tmp_path / folder).mkdir()
        for file_name, text in maps[name].items():
            (tmp_path / folder / file_name).write_text(text, encoding="utf-8")
    config = tradegame_k8s.load(found.region)
    for experiment in config.experiments:
        assert load_experiment(tmp_path / "experiments" / Path(experiment.file).name).name == experiment.name
    (live,) = [item for item in found.of_kind("Deployment") if item["metadata"]["name"] == "tradegame-live"]
    game = Path(live["spec"]["template"]["spec"]["containers"][0]["args"][1]).name
    assert load_game(tmp_path / "games" / game).spec.name == Path(config.live_game).stem
