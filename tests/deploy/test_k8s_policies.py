"""Policy checks on the synthesized manifests of every region: pinned images, no root, requests
and limits, probes, disruption budgets, network flows allowed one by one after a default deny,
and secrets that come only from the external secret store.
"""

import re
from typing import Any

from tests.deploy.conftest import Manifests, containers, pod_specs, require_deploy_extra

require_deploy_extra()

COMPONENT = "app.kubernetes.io/component"
LONG_RUNNING = ("Deployment", "StatefulSet", "RayCluster")
TEMPORAL_SERVERS = frozenset({"temporal-frontend", "temporal-history", "temporal-matching", "temporal-worker"})
# Containers whose image writes its configuration from a template at start (docs say so).
WRITABLE_ROOT = {"temporal-frontend", "temporal-history", "temporal-matching", "temporal-worker", "temporal-ui"}
# Every flow allowed between the parts, at both ends: (clients, servers, TCP ports; () = any).
EXPECTED_FLOWS = {
    (frozenset({"experiment", "live"}), frozenset({"postgres"}), (5432,)),
    (TEMPORAL_SERVERS | {"temporal-schema"}, frozenset({"postgres"}), (5432,)),
    (frozenset({"experiment", "live"}), frozenset({"temporal-frontend"}), (7233,)),
    (frozenset({"temporal-ui"}), frozenset({"temporal-frontend"}), (7233,)),
    (TEMPORAL_SERVERS, TEMPORAL_SERVERS, (6933, 6934, 6935, 6939, 7233, 7234, 7235, 7239)),
    (frozenset({"experiment"}), frozenset({"ray-head"}), (8265, 10001)),
    (frozenset({"ray-head", "ray-worker"}), frozenset({"ray-head", "ray-worker"}), ()),  # Ray's own ports
}
IMAGE = re.compile(r"^(?P<name>[a-z0-9./_-]+(?::\d+)?/)?[a-z0-9._-]+(?::(?P<tag>[\w.-]+))?(?:@sha256:[0-9a-f]{64})?$")


def _all_containers(manifests: Manifests) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    return [
        (kind, name, template, spec) for kind, name, template in pod_specs(manifests) for spec in containers(template)
    ]


def test_every_image_is_pinned(manifests: Manifests) -> None:
    found = _all_containers(manifests)
    assert len(found) >= 10
    for _, owner, _, spec in found:
        image = spec["image"]
        match = IMAGE.match(image)
        assert match, f"{owner}: unreadable image {image!r}"
        assert match["tag"] or "@sha256:" in image, f"{owner}: {image} has neither a tag nor a digest"
        assert match["tag"] != "latest", f"{owner}: {image} is not pinned"


def test_nothing_runs_as_root_or_with_privileges(manifests: Manifests) -> None:
    for _, owner, template, spec in _all_containers(manifests):
        pod = template["spec"]
        pod_context = pod.get("securityContext", {})
        assert pod_context.get("runAsNonRoot") is True, owner
        assert pod_context.get("runAsUser", 0) != 0, owner
        assert pod_context.get("seccompProfile") == {"type": "RuntimeDefault"}, owner
        assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC")), owner
        assert all("hostPath" not in volume for volume in pod.get("volumes", [])), owner
        context = spec.get("securityContext", {})
        assert context.get("runAsNonRoot") is True and context.get("runAsUser", 0) != 0, owner
        assert context.get("allowPrivilegeEscalation") is False, owner
        assert context.get("capabilities") == {"drop": ["ALL"]}, owner
        assert context.get("privileged", False) is False, owner
        assert context.get("seccompProfile") == {"type": "RuntimeDefault"}, owner
        component = template["metadata"]["labels"][COMPONENT]
        assert context.get("readOnlyRootFilesystem") is (component not in WRITABLE_ROOT), owner


def test_every_container_has_requests_and_limits(manifests: Manifests) -> None:
    for _, owner, _, spec in _all_containers(manifests):
        for bound in ("requests", "limits"):
            found = spec.get("resources", {}).get(bound, {})
            assert set(found) >= {"cpu", "memory"}, f"{owner}/{spec['name']}: {bound} {found}"


def test_every_long_running_container_has_probes(manifests: Manifests) -> None:
    checked = 0
    for kind, owner, template, spec in _all_containers(manifests):
        if kind in LONG_RUNNING and spec in template["spec"]["containers"]:  # init containers run to the end
            assert "livenessProbe" in spec and "readinessProbe" in spec, f"{owner}/{spec['name']}"
            checked += 1
    assert checked >= 8


def _selects(selector: dict[str, str], template: dict[str, Any]) -> bool:
    return selector.items() <= template["metadata"]["labels"].items()


def test_every_deployment_and_statefulset_has_a_disruption_budget(manifests: Manifests) -> None:
    budgets = [item["spec"]["selector"]["matchLabels"] for item in manifests.of_kind("PodDisruptionBudget")]
    long_running = [(kind, owner, template) for kind, owner, template in pod_specs(manifests) if kind in LONG_RUNNING]
    assert {kind for kind, _, _ in long_running} == set(LONG_RUNNING)
    for _, owner, template in long_running:
        assert any(_selects(budget, template) for budget in budgets), f"{owner} has no PodDisruptionBudget"
    for budget in budgets:
        assert any(_selects(budget, template) for _, _, template in long_running), f"{budget} selects nothing"


def test_every_service_selects_pods(manifests: Manifests) -> None:
    templates = [template for _, _, template in pod_specs(manifests)]
    for service in manifests.of_kind("Service"):
        assert any(_selects(service["spec"]["selector"], template) for template in templates), service["metadata"]


def _components(selector: dict[str, Any]) -> frozenset[str]:
    assert selector["matchLabels"] == {"app.kubernetes.io/name": "tradegame"}
    (expression,) = selector["matchExpressions"]
    assert expression["key"] == COMPONENT and expression["operator"] == "In"
    return frozenset(expression["values"])


def _ports(rule: dict[str, Any]) -> tuple[int, ...]:
    assert all(port["protocol"] == "TCP" for port in rule.get("ports", []))
    return tuple(sorted(port["port"] for port in rule.get("ports", [])))


def test_network_default_deny_then_each_flow_at_both_ends(manifests: Manifests) -> None:
    policies = {item["metadata"]["name"]: item["spec"] for item in manifests.of_kind("NetworkPolicy")}
    deny = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [], "egress": []}
    assert policies.pop("default-deny", None) == deny, "a default-deny policy: every pod, no rule"
    dns = policies.pop("allow-dns")
    assert dns["podSelector"] == {} and dns["policyTypes"] == ["Egress"] and "ingress" not in dns
    ((dns_rule,),) = [dns["egress"]]
    assert {port["port"] for port in dns_rule["ports"]} == {53}
    assert dns_rule["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    ui = policies.pop("ingress-to-ui-ingress")
    assert _components(ui["podSelector"]) == {"temporal-ui"} and _ports(ui["ingress"][0]) == (8080,)
    replication = policies.pop("postgres-replication")  # the peer region's CIDRs (test_k8s_replication)
    assert _components(replication["podSelector"]) == {"postgres"}
    assert replication["policyTypes"] == ["Ingress", "Egress"]
    for end, key in (("ingress", "from"), ("egress", "to")):
        ((rule,),) = [replication[end]]
        assert _ports(rule) == (5432,) and rule[key], f"postgres-replication {end}: 5432 from named CIDRs only"
        assert all(set(peer) == {"ipBlock"} and set(peer["ipBlock"]) == {"cidr"} for peer in rule[key])
    egress, ingress = set(), set()
    for name, spec in policies.items():
        pods = _components(spec["podSelector"])
        assert len(spec["policyTypes"]) == 1, name
        for rule in spec.get("egress", []):
            assert rule["to"], f"{name}: a rule without peers allows everything"
            for peer in rule["to"]:
                assert set(peer) == {"podSelector"}, f"{name}: only pods of this namespace"
                egress.add((pods, _components(peer["podSelector"]), _ports(rule)))
        for rule in spec.get("ingress", []):
            assert rule["from"], f"{name}: a rule without peers allows everything"
            for peer in rule["from"]:
                assert set(peer) == {"podSelector"}, f"{name}: only pods of this namespace"
                ingress.add((_components(peer["podSelector"]), pods, _ports(rule)))
    for end, flows in (("egress", egress), ("ingress", ingress)):
        assert flows == EXPECTED_FLOWS, f"{end}: extra {flows - EXPECTED_FLOWS}, missing {EXPECTED_FLOWS - flows}"


def test_every_flow_names_parts_that_exist(manifests: Manifests) -> None:
    components = {template["metadata"]["labels"][COMPONENT] for _, _, template in pod_specs(manifests)}
    for sources, targets, _ in EXPECTED_FLOWS:
        assert sources | targets <= components
    assert components - {"temporal-schema"} <= set().union(*(s | t for s, t, _ in EXPECTED_FLOWS))


def test_secrets_come_only_from_the_external_store(manifests: Manifests) -> None:
    assert not manifests.of_kind("Secret"), "no Secret in the manifests: ExternalSecrets make them"
    made = {}
    for external in manifests.of_kind("ExternalSecret"):
        template = external["spec"]["target"].get("template")
        # With a template the Secret holds the template's keys only (ESO's mergePolicy Replace).
        keys = set(template["data"]) if template else {entry["secretKey"] for entry in external["spec"]["data"]}
        made[external["spec"]["target"]["name"]] = keys
    used = 0
    for _, owner, _, spec in _all_containers(manifests):
        for env in spec.get("env", []):
            if re.search(r"PASSWORD|PWD|TOKEN|SECRET|TRADEGAME_DB", env["name"]):
                assert "value" not in env, f"{owner}: {env['name']} is written in the manifest"
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in made.get(ref["name"], set()), f"{owner}: {ref} is made by no ExternalSecret"
                used += 1
        assert "envFrom" not in spec
    assert used >= 8
