"""One region's manifests: a Namespace (Pod Security "restricted" enforced) and a Chart with every
part in it, synthesized to one YAML stream.
"""

from __future__ import annotations

import cdk8s

from .base import api_object
from .config import CONFIG_DIR, RegionConfig
from .network import NetworkPolicies
from .postgres import HOST as POSTGRES_HOST
from .postgres import Postgres
from .ray import RayCluster
from .secrets import ExternalSecrets
from .temporal import Temporal
from .workloads import Workloads

# The Kubernetes minor version the manifests are written and validated for.
KUBERNETES_VERSION = "v1.33"
REGIONS = tuple(sorted(path.stem for path in CONFIG_DIR.glob("*.toml")))


def synth(config: RegionConfig) -> str:
    """The YAML of every object of ``config``'s region, in a stable order."""
    app = cdk8s.App(yaml_output_type=cdk8s.YamlOutputType.FILE_PER_APP)
    cluster = cdk8s.Chart(app, "cluster", disable_resource_name_hashes=True)
    pod_security = {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": KUBERNETES_VERSION,
    }
    api_object(cluster, "v1", "Namespace", config.namespace, "namespace", config.name, extra_labels=pod_security)
    chart = cdk8s.Chart(
        app,
        "tradegame",
        namespace=config.namespace,
        disable_resource_name_hashes=True,
        labels={"tradegame.io/cloud": config.cloud, "tradegame.io/role": config.role},
    )
    ExternalSecrets(chart, "secrets", config, POSTGRES_HOST)
    Postgres(chart, "postgres", config)
    Temporal(chart, "temporal", config, POSTGRES_HOST)
    RayCluster(chart, "ray", config)
    Workloads(chart, "workloads", config)
    NetworkPolicies(chart, "network", config)
    return app.synth_yaml()
