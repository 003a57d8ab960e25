#!/usr/bin/env python3
"""The Python reference's side of scripts/bench-kubernetes.sh: the same work as the Rust
benchmark (50 ConfigMaps applied into a fresh namespace, then the same 50 again, with a
prune by label each time) done by charmed-kubeflow-chisme's KubernetesResourceHandler on
lightkube, against the same API server. The Rust benchmark runs this script when
BENCH_KUBE_PYTHON names a Python with both installed:

    python3 -m venv /tmp/chisme && /tmp/chisme/bin/pip install charmed-kubeflow-chisme lightkube
    BENCH_KUBE_PYTHON=/tmp/chisme/bin/python scripts/bench-kubernetes.sh

Usage: bench-kubernetes-python.py KUBECONFIG RUNS. Prints a Markdown table.
"""

import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from charmed_kubeflow_chisme.kubernetes import KubernetesResourceHandler
from lightkube import Client, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap, Namespace

OBJECTS = 50
TEMPLATE = """\
{% for i in range(count) %}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: bench-{{ i }}
  namespace: {{ namespace }}
data:
  index: "{{ i }}"
  greeting: hello
{% endfor %}
"""


def main() -> None:
    kubeconfig, runs = sys.argv[1], int(sys.argv[2])
    client = Client(KubeConfig.from_file(kubeconfig), field_manager="bench")
    logger = logging.getLogger("bench")
    logger.setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "objects.yaml.j2"
        template.write_text(TEMPLATE)
        apply, unchanged = [], []
        for round_ in range(runs + 1):
            namespace = f"python-bench-{round_}"
            client.create(Namespace(metadata=ObjectMeta(name=namespace)))
            handler = KubernetesResourceHandler(
                field_manager="bench",
                template_files=[template],
                context={"namespace": namespace, "count": OBJECTS},
                logger=logger,
                labels={"app.kubernetes.io/managed-by": "bench", "round": str(round_)},
                resource_types={ConfigMap},
                lightkube_client=client,
            )
            started = time.perf_counter()
            handler.reconcile()
            first = time.perf_counter() - started
            started = time.perf_counter()
            handler.reconcile()
            second = time.perf_counter() - started
            if round_ > 0:
                apply.append(first)
                unchanged.append(second)
    print("| reconcile (Python: chisme KubernetesResourceHandler, lightkube) | median |")
    print("|---|---|")
    print(f"| apply {OBJECTS} new ConfigMaps | {statistics.median(apply) * 1e3:.1f} ms |")
    print(f"| re-apply the same {OBJECTS}, unchanged | {statistics.median(unchanged) * 1e3:.1f} ms |")
    print()
    print(f"{runs} runs per row, after one warm-up round.")


if __name__ == "__main__":
    main()
