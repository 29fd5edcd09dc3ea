"""Checks what a schema cannot: that the files in deploy/ agree with each other and with the service.

Usage: python check_consistency.py REPOSITORY_ROOT
Exits non-zero listing every disagreement. Run by scripts/check-deploy.sh after the schema checks.
"""

import os
import re
import sys

import yaml


def main():
    root = sys.argv[1]
    deploy = os.path.join(root, "deploy")
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    kustomization = yaml.safe_load(open(os.path.join(deploy, "kubernetes/kustomization.yaml")))
    resources = {}
    for name in kustomization["resources"]:
        path = os.path.join(deploy, "kubernetes", name)
        check(os.path.exists(path), f"kustomization lists {name}, which does not exist")
        for document in yaml.safe_load_all(open(path)):
            resources[document["kind"]] = document
    listed = set(kustomization["resources"])
    on_disk = {f for f in os.listdir(os.path.join(deploy, "kubernetes")) if f.endswith(".yaml") and f != "kustomization.yaml"}
    check(on_disk <= listed, f"manifests not in kustomization.yaml: {sorted(on_disk - listed)}")
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        check(kind in resources, f"no {kind} among the kustomization's resources")
    if problems:
        return report(problems)

    deployment, service = resources["Deployment"], resources["Service"]
    hpa, pdb = resources["HorizontalPodAutoscaler"], resources["PodDisruptionBudget"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selects = lambda selector: all(pod_labels.get(k) == v for k, v in selector.items())
    check(selects(deployment["spec"]["selector"]["matchLabels"]), "the Deployment's selector does not match its pods")
    check(selects(service["spec"]["selector"]), "the Service selects no pod of the Deployment")
    check(selects(pdb["spec"]["selector"]["matchLabels"]), "the PodDisruptionBudget selects no pod of the Deployment")
    target = hpa["spec"]["scaleTargetRef"]
    check((target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"]), "the autoscaler targets another workload")
    check(hpa["spec"]["minReplicas"] >= 2, "fewer than 2 replicas: a single pod makes every rollout an outage")

    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    check(str(ports.get("http")) == env.get("SHUFFLENET_PORT", "8080"), "containerPort 'http' is not the port the server binds")
    check(service["spec"]["ports"][0]["targetPort"] in ports, "the Service's targetPort names no container port")
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/port") == str(ports.get("http")), "Prometheus would scrape another port")
    check(annotations.get("prometheus.io/path") == "/metrics", "Prometheus would scrape another path")

    probes = {name: container.get(name, {}).get("httpGet", {}) for name in ("startupProbe", "readinessProbe", "livenessProbe")}
    check(probes["readinessProbe"].get("path") == "/readyz", "readiness must ask /readyz (fails while loading and draining)")
    check(probes["livenessProbe"].get("path") == "/healthz", "liveness must ask /healthz (never fails while draining)")
    check(probes["startupProbe"].get("path") in ("/readyz", "/healthz"), "the startup probe asks neither /readyz nor /healthz")
    for name, probe in probes.items():
        check(probe.get("port") in ports or probe.get("port") == ports.get("http"), f"{name} asks a port the container does not expose")
    startup = container["startupProbe"]
    check(startup["periodSeconds"] * startup["failureThreshold"] >= 30, "the startup probe allows less than 30 s for model load and warm-up")

    resources_ = container["resources"]
    check(resources_["requests"]["cpu"] == resources_["limits"]["cpu"], "CPU requests differ from limits: the worker count would not match the reservation")
    check(resources_["requests"]["memory"] == resources_["limits"]["memory"], "memory requests differ from limits")

    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    pre_stop_seconds = float(pre_stop[-1]) if pre_stop[0].endswith("sleep") else 0.0
    drain = float(env.get("SHUFFLENET_SHUTDOWN_TIMEOUT", "25")) + float(env.get("SHUFFLENET_DRAIN_DELAY", "0"))
    grace = pod["terminationGracePeriodSeconds"]
    check(grace > pre_stop_seconds + drain, f"terminationGracePeriodSeconds {grace} does not exceed preStop {pre_stop_seconds} + drain {drain}")

    security = container["securityContext"]
    check(security.get("readOnlyRootFilesystem") is True, "the root filesystem is writable")
    check(security.get("allowPrivilegeEscalation") is False, "privilege escalation is allowed")
    check(security.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not all dropped")
    check(pod["securityContext"].get("runAsNonRoot") is True, "pods may run as root")
    dockerfile = open(os.path.join(root, "Dockerfile")).read()
    user = re.search(r"^USER (\d+)", dockerfile, re.M)
    check(user and int(user.group(1)) == pod["securityContext"].get("runAsUser"), "runAsUser is not the Dockerfile's USER")
    image = container["image"].split(":")[0]
    check(any(i["name"] == image for i in kustomization.get("images", [])), "kustomization.yaml's images do not name the container image")

    # Compose: the service is built from this repository's Dockerfile and scraped by its Prometheus.
    compose = yaml.safe_load(open(os.path.join(deploy, "compose.yaml")))
    services = compose["services"]
    app = services.get("shufflenet", {})
    check(os.path.exists(os.path.join(deploy, app.get("build", {}).get("context", "?"), "Dockerfile")), "compose builds from a folder without the Dockerfile")
    check("8080:8080" in app.get("ports", []), "compose does not publish 8080")
    check(app.get("read_only") is True, "compose's service has a writable root filesystem")
    prometheus = services.get("prometheus", {})
    for volume in prometheus.get("volumes", []):
        source = volume.split(":")[0]
        check(os.path.exists(os.path.join(deploy, source)), f"compose mounts {source}, which does not exist")
    scrape = yaml.safe_load(open(os.path.join(deploy, "prometheus/prometheus.yml")))
    targets = [t for job in scrape["scrape_configs"] for sc in job.get("static_configs", []) for t in sc["targets"]]
    check("shufflenet:8080" in targets, "the compose Prometheus does not scrape the shufflenet service")

    return report(problems)


def report(problems):
    for problem in problems:
        print(f"deploy: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("deploy: manifests, compose and Prometheus configuration agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
