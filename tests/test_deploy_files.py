"""The deployment files can't run here (no Docker, no cluster): check that they parse and
agree with the service they deploy (ports, probe paths, names, packages)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from starlette.testclient import TestClient

from placepix.server.app import create_app

DEPLOY = Path(__file__).parent.parent / "deploy"


def manifests() -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            documents[document["kind"]] = document
    return documents


def test_kubernetes_manifests_fit_together() -> None:
    found = manifests()
    assert set(found) == {"Deployment", "Service", "HorizontalPodAutoscaler"}
    deployment = found["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert found["Service"]["spec"]["selector"] == labels
    target = found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_probes_point_at_routes_that_answer() -> None:
    container = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    client = TestClient(create_app())
    for probe in ("readinessProbe", "livenessProbe"):
        path = container[probe]["httpGet"]["path"]
        assert client.get(path).status_code == 200, path
    assert container["ports"][0]["containerPort"] == 8000
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_dockerfile_installs_the_run_time_list_and_the_lock_and_checks_health() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY deploy/apt-packages.txt" in dockerfile
    assert "--require-hashes" in dockerfile and "-r /tmp/requirements.lock" in dockerfile
    assert "--no-deps --no-build-isolation ." in dockerfile
    assert re.search(r"^ARG BASE=debian:bookworm-slim$", dockerfile, re.M)
    assert "EXPOSE 8000" in dockerfile and "PLACEPIX_PORT=8000" in dockerfile
    assert re.search(r"HEALTHCHECK .*/healthz", dockerfile, re.S)
    assert re.search(r"^USER \d+", dockerfile, re.M)  # not root
    user_id = re.search(r"^USER (\d+)", dockerfile, re.M)
    pod = manifests()["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert user_id and int(user_id.group(1)) == pod["runAsUser"]
