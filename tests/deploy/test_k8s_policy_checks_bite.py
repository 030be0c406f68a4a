"""Each policy check fails on a manifest broken in the way it guards against (so a check that
passes cannot be passing by accident). The breaks are made on a copy of one region's objects.
"""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.deploy import test_k8s_policies as policies
from tests.deploy.conftest import Manifests, require_deploy_extra

require_deploy_extra()

Objects = list[dict[str, Any]]


def _workload(objects: Objects, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet") and o["metadata"]["name"] == name]
    container: dict[str, Any] = found["spec"]["template"]["spec"]["containers"][0]
    return container


def _drop(objects: Objects, kind: str, name: str) -> None:
    objects.remove(next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name))


def _widen(objects: Objects) -> None:
    policy = next(o for o in objects if o["metadata"]["name"] == "tradegame-to-postgres-ingress")
    del policy["spec"]["ingress"][0]["ports"]  # every port of postgres's pods


BREAKS: dict[str, tuple[Callable[[Objects], None], Callable[[Manifests], None]]] = {
    "latest tag": (
        lambda o: _workload(o, "temporal-ui").update(image="temporalio/ui:latest"),
        policies.test_every_image_is_pinned,
    ),
    "no tag": (
        lambda o: _workload(o, "temporal-ui").update(image="temporalio/ui"),
        policies.test_every_image_is_pinned,
    ),
    "root": (
        lambda o: _workload(o, "postgres")["securityContext"].update(runAsUser=0),
        policies.test_nothing_runs_as_root_or_with_privileges,
    ),
    "capabilities kept": (
        lambda o: _workload(o, "postgres")["securityContext"].pop("capabilities"),
        policies.test_nothing_runs_as_root_or_with_privileges,
    ),
    "no limits": (
        lambda o: _workload(o, "postgres")["resources"].pop("limits"),
        policies.test_every_container_has_requests_and_limits,
    ),
    "no readiness probe": (
        lambda o: _workload(o, "temporal-history").pop("readinessProbe"),
        policies.test_every_long_running_container_has_probes,
    ),
    "no budget": (
        lambda o: _drop(o, "PodDisruptionBudget", "temporal-ui"),
        policies.test_every_deployment_and_statefulset_has_a_disruption_budget,
    ),
    "no default deny": (
        lambda o: _drop(o, "NetworkPolicy", "default-deny"),
        policies.test_network_default_deny_then_each_flow_at_both_ends,
    ),
    "a wider flow": (_widen, policies.test_network_default_deny_then_each_flow_at_both_ends),
    "a Secret": (
        lambda o: o.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": "dg=="}}),
        policies.test_secrets_come_only_from_the_external_store,
    ),
    "a password in the manifest": (
        lambda o: _workload(o, "postgres")["env"].__setitem__(1, {"name": "POSTGRES_PASSWORD", "value": "x"}),
        policies.test_secrets_come_only_from_the_external_store,
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_the_check_fails_on_a_broken_manifest(name: str, synthesized: dict[str, Manifests]) -> None:
    original = next(iter(synthesized.values()))
    objects = copy.deepcopy(original.objects)
    breaking, check = BREAKS[name]
    check(Manifests(original.region, original.text, objects))  # passes before the break
    breaking(objects)
    with pytest.raises(AssertionError):
        check(Manifests(original.region, original.text, objects))
