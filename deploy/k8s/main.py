"""Synthesize tradegame's Kubernetes manifests, one YAML file per region (offline: no chart or
schema is downloaded; cdk8s runs on this machine's Node.js through jsii).

    python deploy/k8s/main.py                       # every region, into deploy/k8s/dist/
    python deploy/k8s/main.py gcp-europe-west1      # one region
    python deploy/k8s/main.py --snapshot            # rewrite deploy/k8s/snapshots/ (for review)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# jsii warns on every start that Node.js 20 is past its end of life; the machines have 20.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from tradegame_k8s import REGIONS, ConfigError, load, synth  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Write ``<outdir>/<region>.yaml`` for each region asked (all by default)."""
    parser = argparse.ArgumentParser(description="Synthesize tradegame's Kubernetes manifests, a YAML file per region.")
    parser.add_argument("regions", nargs="*", metavar="REGION", help=f"one of {', '.join(REGIONS)} (default: all)")
    parser.add_argument("--outdir", type=Path, default=HERE / "dist", help="where to write (default: deploy/k8s/dist)")
    parser.add_argument("--snapshot", action="store_true", help="write into deploy/k8s/snapshots/")
    options = parser.parse_args(argv)
    unknown = sorted(set(options.regions) - set(REGIONS))
    if unknown:
        parser.error(f"no region {unknown[0]!r}: deploy/k8s/config/ has {', '.join(REGIONS)}")
    outdir = HERE / "snapshots" if options.snapshot else options.outdir
    outdir.mkdir(parents=True, exist_ok=True)
    for region in options.regions or REGIONS:
        try:
            text = synth(load(region))
        except ConfigError as error:
            parser.exit(2, f"error: {error}\n")
        target = outdir / f"{region}.yaml"
        target.write_text(text, encoding="utf-8")
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
