"""The two regions' synthesized manifests make one replication pair: the standby copies and streams
from the active region's ``postgres-replication`` Service, through a slot under the name the
active's ``synchronous_standby_names`` waits for; each region's Service, NetworkPolicy and pg_hba
lines admit exactly the peer region's CIDRs; nothing writes on the standby. The same holds the
other way round after a failover. The checks read the manifests (the configs for the peer names,
the mode and each region's own CIDRs), and each check of the manifests is shown to fail on a pair
broken in the way it guards against. A bad ``[replication]`` section is refused by name.
Offline and fast: the manifests are synthesized once a session.
"""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import K8S, Manifests, require_deploy_extra

require_deploy_extra()

import tradegame_k8s  # noqa: E402

ROLE = "tradegame.io/role"
TEMPORAL = ("temporal-frontend", "temporal-history", "temporal-matching", "temporal-worker", "temporal-ui")


def _named(manifests: Manifests, kind: str, name: str) -> dict[str, Any]:
    (found,) = [item for item in manifests.of_kind(kind) if item["metadata"]["name"] == name]
    return found


def _pod(manifests: Manifests) -> dict[str, Any]:
    pod: dict[str, Any] = _named(manifests, "StatefulSet", "postgres")["spec"]["template"]["spec"]
    return pod


def _settings(manifests: Manifests) -> dict[str, str]:
    args = _pod(manifests)["containers"][0]["args"]
    assert args[0] == "postgres" and args[1::2] == ["-c"] * (len(args) // 2)
    return dict(setting.split("=", 1) for setting in args[2::2])


def _env(spec: dict[str, Any]) -> dict[str, str]:
    return {env["name"]: env["value"] for env in spec["env"] if "value" in env}


def _pair(synthesized: dict[str, Manifests]) -> tuple[Manifests, Manifests]:
    roles = {
        _named(found, "StatefulSet", "postgres")["metadata"]["labels"][ROLE]: found for found in synthesized.values()
    }
    assert sorted(roles) == ["active", "standby"] and len(synthesized) == 2, "one active region, one standby"
    return roles["active"], roles["standby"]


def check_peers_name_each_other(active: Manifests, standby: Manifests) -> None:
    configs = [tradegame_k8s.load(active.region), tradegame_k8s.load(standby.region)]
    assert configs[0].replication.peer == standby.region and configs[1].replication.peer == active.region
    assert configs[0].replication.mode == configs[1].replication.mode, "both files name the same mode"


def check_the_standby_copies_from_the_actives_service(active: Manifests, standby: Manifests) -> None:
    (copier,) = _pod(standby)["initContainers"]
    assert copier["image"] == _pod(standby)["containers"][0]["image"], "pg_basebackup of the server's version"
    env = _env(copier)
    service = _named(active, "Service", "postgres-replication")
    assert env["PRIMARY_HOST"] == service["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/hostname"]
    assert int(env["PRIMARY_PORT"]) in [port["port"] for port in service["spec"]["ports"]]
    assert "primary_conninfo" in copier["command"][2] and "application_name=%s" in copier["command"][2]
    assert "initContainers" not in _pod(active), "the active region's server starts from its own volume"


def check_the_names_agree(active: Manifests, standby: Manifests) -> None:
    (copier,) = _pod(standby)["initContainers"]
    name = _env(copier)["PGAPPNAME"]
    assert _env(copier)["REPLICATION_SLOT"] == name, "the copy makes its slot on the primary under its name"
    synchronous = tradegame_k8s.load(active.region).replication.synchronous
    assert _settings(active)["synchronous_standby_names"] == (f'FIRST 1 ("{name}")' if synchronous else "")
    assert _settings(standby)["synchronous_standby_names"] == "", "once promoted, the standby waits for no one"
    differing = {key for key in _settings(active) if _settings(active)[key] != _settings(standby)[key]}
    assert differing <= {"synchronous_standby_names"}, "a hot standby needs at least its primary's values"


def check_each_region_admits_only_the_peers_cidrs(active: Manifests, standby: Manifests) -> None:
    for here, peer in ((active, standby), (standby, active)):
        cidrs = sorted(tradegame_k8s.load(peer.region).replication.cidrs)
        policy = _named(here, "NetworkPolicy", "postgres-replication")["spec"]
        for end, key in (("ingress", "from"), ("egress", "to")):
            assert sorted(block["ipBlock"]["cidr"] for block in policy[end][0][key]) == cidrs, f"{here.region} {end}"
        service = _named(here, "Service", "postgres-replication")["spec"]
        assert sorted(service["loadBalancerSourceRanges"]) == cidrs, here.region
    (copier,) = _pod(standby)["initContainers"]
    for here, peer, spec in ((active, standby, _pod(active)["containers"][0]), (standby, active, copier)):
        cidrs = sorted(tradegame_k8s.load(peer.region).replication.cidrs)
        assert sorted(_env(spec)["REPLICATION_CIDRS"].split()) == cidrs, f"{here.region}'s pg_hba: the peer's CIDRs"


def check_nothing_writes_on_the_standby(active: Manifests, standby: Manifests) -> None:
    for manifests, standing_by in ((active, False), (standby, True)):
        jobs = manifests.of_kind("Job")
        assert jobs and all(job["spec"]["suspend"] is standing_by for job in jobs), manifests.region
        running = [_named(manifests, "Deployment", name)["spec"]["replicas"] for name in TEMPORAL]
        assert all(replicas == 0 for replicas in running) if standing_by else all(running), manifests.region


CHECKS = (
    check_peers_name_each_other,
    check_the_standby_copies_from_the_actives_service,
    check_the_names_agree,
    check_each_region_admits_only_the_peers_cidrs,
    check_nothing_writes_on_the_standby,
)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_pair_is_consistent(
    check: Callable[[Manifests, Manifests], None], synthesized: dict[str, Manifests]
) -> None:
    check(*_pair(synthesized))


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_after_a_failover_the_pair_is_consistent_the_other_way_round(
    check: Callable[[Manifests, Manifests], None],
    synthesized: dict[str, Manifests],
    failed_over: dict[str, Manifests],
) -> None:
    """Only the values docs/deploy.md's failover changes (each file's role, Temporal's replicas)
    make the old standby region the active one and the old active its standby."""
    before, after = _pair(synthesized), _pair(failed_over)
    assert [found.region for found in after] == [found.region for found in reversed(before)]
    check(*after)


def test_the_failed_over_manifests_pass_the_schema_and_policy_checks(failed_over: dict[str, Manifests]) -> None:
    from tests.deploy import test_k8s_manifests as schemas
    from tests.deploy import test_k8s_policies as policies

    for manifests in failed_over.values():
        schemas.test_every_builtin_object_validates_against_the_kubernetes_schema(manifests)
        for name, check in sorted(vars(policies).items()):
            if name.startswith("test_"):
                check(manifests)


def _set_env(spec: dict[str, Any], name: str, value: str) -> None:
    (env,) = [env for env in spec["env"] if env["name"] == name]
    env["value"] = value


def _set_setting(pod: dict[str, Any], name: str, value: str) -> None:
    args = pod["containers"][0]["args"]
    (index,) = [i for i, arg in enumerate(args) if arg.startswith(f"{name}=")]
    args[index] = f"{name}={value}"


# (which region, what breaks its copy, the check that must then fail)
BREAKS: dict[str, tuple[str, Callable[[Manifests], None], Callable[[Manifests, Manifests], None]]] = {
    "the standby copies from another host": (
        "standby",
        lambda m: _set_env(_pod(m)["initContainers"][0], "PRIMARY_HOST", "postgres.elsewhere.internal"),
        check_the_standby_copies_from_the_actives_service,
    ),
    "the active waits for another name": (
        "active",
        lambda m: _set_setting(_pod(m), "synchronous_standby_names", 'FIRST 1 ("other")'),
        check_the_names_agree,
    ),
    "the standby's slot under another name": (
        "standby",
        lambda m: _set_env(_pod(m)["initContainers"][0], "REPLICATION_SLOT", "other"),
        check_the_names_agree,
    ),
    "the copy's pg_hba for another range": (
        "standby",
        lambda m: _set_env(_pod(m)["initContainers"][0], "REPLICATION_CIDRS", "10.0.0.0/8"),
        check_each_region_admits_only_the_peers_cidrs,
    ),
    "a standby with fewer senders": (
        "standby",
        lambda m: _set_setting(_pod(m), "max_wal_senders", "1"),
        check_the_names_agree,
    ),
    "replication open to everyone": (
        "active",
        lambda m: _named(m, "NetworkPolicy", "postgres-replication")["spec"]["ingress"][0]["from"].append(
            {"ipBlock": {"cidr": "0.0.0.0/0"}}
        ),
        check_each_region_admits_only_the_peers_cidrs,
    ),
    "the standby's egress to another range": (
        "standby",
        lambda m: _named(m, "NetworkPolicy", "postgres-replication")["spec"]["egress"][0]["to"][0].update(
            ipBlock={"cidr": "192.168.0.0/16"}
        ),
        check_each_region_admits_only_the_peers_cidrs,
    ),
    "an experiment runs on the standby": (
        "standby",
        lambda m: m.of_kind("Job")[-1]["spec"].update(suspend=False),
        check_nothing_writes_on_the_standby,
    ),
    "Temporal runs on the standby": (
        "standby",
        lambda m: _named(m, "Deployment", "temporal-history")["spec"].update(replicas=1),
        check_nothing_writes_on_the_standby,
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_pairing_check_fails_on_a_broken_pair(name: str, synthesized: dict[str, Manifests]) -> None:
    role, breaking, check = BREAKS[name]
    active, standby = _copies(synthesized)
    pair = {"active": active, "standby": standby}
    breaking(pair[role])
    with pytest.raises(AssertionError):
        check(pair["active"], pair["standby"])


def _copies(synthesized: dict[str, Manifests]) -> tuple[Manifests, Manifests]:
    active, standby = _pair(synthesized)
    return (
        Manifests(active.region, active.text, copy.deepcopy(active.objects)),
        Manifests(standby.region, standby.text, copy.deepcopy(standby.objects)),
    )


REFUSED = {
    "a role of neither kind": ('role = "standby"', 'role = "replica"', r"replication\.role: expected one of"),
    "a mode of neither kind": ('mode = "synchronous"', 'mode = "semi"', r"replication\.mode: expected one of"),
    "a CIDR with host bits": (
        'cidrs = ["10.20.0.0/14"]',
        'cidrs = ["10.20.0.1/14"]',
        r"replication\.cidrs: .*host bits",
    ),
    "no peer CIDR": (
        'peer_cidrs = ["10.10.0.0/16"]',
        "peer_cidrs = []",
        r"replication\.peer_cidrs: expected a non-empty",
    ),
    "itself as the peer": (
        'peer = "aws-us-east-1"',
        'peer = "gcp-europe-west1"',
        r"replication\.peer: expected another",
    ),
    "an unknown replication field": (
        'mode = "synchronous"',
        'mode = "synchronous"\nslot = "x"',
        r"replication\.slot: unknown",
    ),
    "the role at the top level": (
        'namespace = "tradegame"',
        'role = "standby"\nnamespace = "tradegame"',
        r": role: unknown",
    ),
    "Temporal on a standby": (
        "temporal_history = 0",
        "temporal_history = 1",
        r"replicas\.temporal_history: expected 0 on a standby region",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_replication_config_is_refused_by_name(name: str, tmp_path: Path) -> None:
    """Checked on the standby's file: each change alone makes it refused, with the field named."""
    region = "gcp-europe-west1"
    text = (K8S / "config" / f"{region}.toml").read_text(encoding="utf-8")
    before, after, message = REFUSED[name]
    assert text.count(before) == 1
    (tmp_path / f"{region}.toml").write_text(text.replace(before, after), encoding="utf-8")
    with pytest.raises(tradegame_k8s.ConfigError, match=message):
        tradegame_k8s.load(region, tmp_path)
    (tmp_path / f"{region}.toml").write_text(text, encoding="utf-8")
    assert tradegame_k8s.load(region, tmp_path) == tradegame_k8s.load(region)
