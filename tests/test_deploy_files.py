"""The deployment files agree with each other and with the service: every Kubernetes manifest
valid against the Kubernetes schemas (kubernetes-validate, offline), the manifests wired
together (labels, Secret, Services, Ingress, budget), and deploy/compose.yaml naming the image,
ports and nginx file that the rest use. (The image itself is built and run by
test_container.py, the nginx file by test_nginx.py.)"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import ValidationError
from starlette.testclient import TestClient

from placepix.server.app import create_app
from placepix.server.settings import Settings

DEPLOY = Path(__file__).parent.parent / "deploy"
KUBERNETES = "1.37.0"  # the newest schemas kubernetes-validate bundles
NGINX_CONF = (DEPLOY / "nginx" / "placepix.conf").read_text()


def documents() -> list[dict[str, Any]]:
    return [
        document
        for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
    ]


def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in documents()}


def deployment() -> dict[str, Any]:
    return manifests()["Deployment", "placepix"]


def container() -> dict[str, Any]:
    spec: dict[str, Any] = deployment()["spec"]["template"]["spec"]["containers"][0]
    return spec


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


@pytest.mark.parametrize(
    "document", documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}"
)
def test_every_manifest_is_valid_kubernetes(document: dict[str, Any]) -> None:
    """Strict: an unknown or misspelt field fails too."""
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_the_validation_can_fail() -> None:
    broken = deployment()
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"path": "/readyz"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_the_manifests_fit_together() -> None:
    found = manifests()
    assert set(found) == {
        ("Deployment", "placepix"),
        ("Service", "placepix"),
        ("Service", "placepix-closed"),
        ("HorizontalPodAutoscaler", "placepix"),
        ("PodDisruptionBudget", "placepix"),
        ("Ingress", "placepix"),
        ("Secret", "placepix-keys"),
    }
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert deployment()["spec"]["selector"]["matchLabels"] == labels
    assert found["Service", "placepix"]["spec"]["selector"] == labels
    assert found["PodDisruptionBudget", "placepix"]["spec"]["selector"]["matchLabels"] == labels
    assert (
        found["PodDisruptionBudget", "placepix"]["spec"]["minAvailable"]
        < deployment()["spec"]["replicas"]
    )
    target = found["HorizontalPodAutoscaler", "placepix"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "placepix")


def test_the_secret_is_wired_in_and_its_example_value_is_refused() -> None:
    secret = manifests()["Secret", "placepix-keys"]
    env = {e["name"]: e for e in container()["env"]}
    reference = env["PLACEPIX_SECRET_KEYS"]["valueFrom"]["secretKeyRef"]
    assert reference["name"] == "placepix-keys" and reference["key"] in secret["stringData"]
    with pytest.raises(ValidationError, match="example"):
        Settings(secret_keys=yaml.safe_load(secret["stringData"][reference["key"]]))


def test_the_ingress_sends_the_site_to_the_pods_and_the_probes_nowhere() -> None:
    found = manifests()
    paths = found["Ingress", "placepix"]["spec"]["rules"][0]["http"]["paths"]
    routes = {(p["path"], p["pathType"]): p["backend"]["service"] for p in paths}
    assert routes["/", "Prefix"] == {"name": "placepix", "port": {"name": "http"}}
    for probe in ("/healthz", "/readyz", "/metrics"):
        assert routes[probe, "Exact"]["name"] == "placepix-closed"
    assert "selector" not in found["Service", "placepix-closed"]["spec"]  # no pods behind it
    service_port = found["Service", "placepix"]["spec"]["ports"][0]
    assert service_port["name"] == "http" and service_port["targetPort"] == "http"
    assert container()["ports"][0]["name"] == "http"


def test_probes_point_at_routes_that_answer() -> None:
    with TestClient(create_app()) as client:  # the lifespan checks the render stack
        for probe in ("readinessProbe", "livenessProbe"):
            path = container()[probe]["httpGet"]["path"]
            deadline = time.monotonic() + 30
            while (answer := client.get(path)).text.startswith("starting"):
                assert time.monotonic() < deadline, "the render stack check did not finish"
                time.sleep(0.05)
            assert answer.status_code == 200, (path, answer.text)
    assert container()["ports"][0]["containerPort"] == 8000
    assert container()["securityContext"]["readOnlyRootFilesystem"] is True


def test_every_setting_the_manifests_and_compose_give_is_valid() -> None:
    """Names and values: a misspelt PLACEPIX_ variable or a bad value fails here."""
    plain = {e["name"]: e["value"] for e in container()["env"] if "value" in e}
    services = compose()["services"]
    for env in [
        plain,
        services["placepix-1"]["environment"],
        services["placepix-2"]["environment"],
    ]:
        values = {
            name.removeprefix("PLACEPIX_").lower(): value
            for name, value in env.items()
            if name != "PLACEPIX_SECRET_KEYS"  # the Secret, or ${...} filled in by compose
        }
        Settings.model_validate(values)
        assert all(name.startswith("PLACEPIX_") for name in env)


def test_dockerfile_installs_the_run_time_list_and_the_lock_and_checks_health() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY deploy/apt-packages.txt" in dockerfile
    assert "--require-hashes" in dockerfile and "-r /tmp/requirements.lock" in dockerfile
    assert "--no-deps --no-build-isolation ." in dockerfile
    assert re.search(r"^ARG BASE=debian:bookworm-slim$", dockerfile, re.M)
    assert "EXPOSE 8000" in dockerfile and "PLACEPIX_PORT=8000" in dockerfile
    assert re.search(r"HEALTHCHECK .*/healthz", dockerfile, re.S)
    user_id = re.search(r"^USER (\d+)", dockerfile, re.M)  # not root
    pod = deployment()["spec"]["template"]["spec"]["securityContext"]
    assert user_id and int(user_id.group(1)) == pod["runAsUser"]


def test_compose_runs_the_same_image_behind_the_shipped_nginx_file() -> None:
    services = compose()["services"]
    upstreams = re.findall(r"^\s*server (127\.0\.0\.1):(\d+) ", NGINX_CONF, re.M)
    instances = [services["placepix-1"], services["placepix-2"]]
    assert [
        (s["environment"]["PLACEPIX_HOST"], s["environment"]["PLACEPIX_PORT"]) for s in instances
    ] == upstreams
    for instance in instances:
        assert instance["image"] == container()["image"]
        assert instance["network_mode"] == "service:nginx"  # the upstreams are its loopback
        assert instance["environment"]["PLACEPIX_FORWARDED_ALLOW_IPS"] == "127.0.0.1"
        build = instance["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    nginx = services["nginx"]
    source, target = nginx["volumes"][0].split(":")[:2]
    assert (DEPLOY / source).resolve() == DEPLOY / "nginx" / "placepix.conf"
    assert target == "/etc/nginx/conf.d/default.conf"  # replaces the image's own server on :80
    public_port = re.search(r"^\s*listen (\d+);", NGINX_CONF, re.M)
    assert public_port and nginx["ports"] == [f"8000:{public_port.group(1)}"]
