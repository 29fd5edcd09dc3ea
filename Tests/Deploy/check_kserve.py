"""Validates deploy/kserve offline: each manifest against KServe's CRD schemas with unknown fields refused (as the API
server's strict field validation does), negative controls that must be refused, then the runtime against the server
itself: the flags and variables of its `serve --help`, and a dry run of the binary with the runtime's configuration.

Usage: python check_kserve.py REPOSITORY_ROOT [SHUFFLENET_BINARY]   (binary default: .build/release/shufflenet)
The CRDs come from $SHUFFLENET_SHARED_DIR/kserve or ../shared/kserve; without them the schema part is skipped, or
fails when CI is set. Exits non-zero listing every problem. Run by scripts/check-deploy.sh.
"""

import copy
import os
import re
import sys
import tempfile

import yaml

import crd_schema
from server_contract import Problems, dry_run, image_stage, parse_flags, serve_options

MODEL_DIR = "/mnt/models"                     # where KServe's storage initializer puts the storageUri's files
FORMAT = ("shufflenet-safetensors", "1")
CONTAINER = "kserve-container"                # the container KServe merges the predictor into and mounts models in
HEALTH = {"startupProbe": "/v2/health/ready", "readinessProbe": "/v2/health/ready", "livenessProbe": "/v2/health/live"}
# What Knative (KServe's serverless mode) lets a container hold; its webhook refuses anything else.
KNATIVE_CONTAINER = {"name", "args", "command", "env", "envFrom", "image", "imagePullPolicy", "livenessProbe", "ports",
                     "readinessProbe", "resources", "securityContext", "startupProbe", "terminationMessagePath",
                     "terminationMessagePolicy", "volumeMounts", "workingDir"}
KNATIVE_SECURITY = {"capabilities", "readOnlyRootFilesystem", "runAsUser", "runAsGroup", "runAsNonRoot",
                    "allowPrivilegeEscalation", "seccompProfile"}
DEFAULT_GRACE_SECONDS = 30                    # a pod's terminationGracePeriodSeconds; Knative lets no predictor set it
FP32_IMAGE_BYTES = 3 * 224 * 224 * 4          # one preprocessed 224² input tensor
STORAGE_SCHEMES = ("gs://", "s3://", "pvc://", "https://", "http://", "hdfs://", "webhdfs://", "oci://", "hf://")
ISVC_NAME = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"   # KServe's webhook (IsvcNameFmt)


def main():
    root = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, ".build/release/shufflenet")
    folder = os.path.join(root, "deploy/kserve")
    manifests = {name: crd_schema.load_documents(open(os.path.join(folder, name)).read())
                 for name in sorted(os.listdir(folder)) if name.endswith((".yaml", ".yml"))}
    problems = Problems()
    crds = load_crds(root, problems)
    if crds:
        for name, documents in manifests.items():
            for document in documents:
                crd, found = crds.check(document)
                problems += [f"{name}: {p}" for p in found]
                if not found:
                    print(f"kserve: {name}: {document['kind']} {document['metadata']['name']} valid against {crd}")
        if not problems:  # the controls are broken copies of valid manifests
            negative_controls(crds, folder, manifests, problems)
    by_kind = {}
    for documents in manifests.values():
        for document in documents:
            by_kind.setdefault(document.get("kind"), []).append(document)
    try:
        runtime, service = check_relations(by_kind, problems)
        if runtime and problems.check(os.access(binary, os.X_OK), f"no shufflenet binary at {binary}: build it first"):
            check_against_server(root, binary, runtime["spec"], service["spec"]["predictor"], problems)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        # A manifest missing what the schema requires (reported above when the CRDs are at hand).
        problems.append(f"cannot compare the manifests with each other and the server, a field is missing or mistyped: {error!r}")
    for problem in problems:
        print(f"kserve: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("kserve: runtimes and InferenceService agree with each other, the image and the server's flags")
    return 0


def load_crds(root, problems):
    shared = os.environ.get("SHUFFLENET_SHARED_DIR") or os.path.join(root, "..", "shared")
    folder = os.path.join(shared, "kserve")
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".yaml")) if os.path.isdir(folder) else []
    crds = crd_schema.CRDs(paths)
    if crds.by_kind:
        return crds
    if not problems.check(not os.environ.get("CI"), f"CI is set but no KServe CRDs were found in {folder}"):
        return None
    print(f"kserve: SKIP schema validation: no KServe CRDs in {folder}", file=sys.stderr)
    return None


def negative_controls(crds, folder, manifests, problems):
    """Broken copies of the real manifests, made here and never kept: each must be refused, naming the broken field."""
    def first(kind):
        return next((name, d) for name, docs in manifests.items() for d in docs if d.get("kind") == kind)

    runtime_file, runtime = first("ServingRuntime")
    _, service = first("InferenceService")

    def mutated(document, change):
        broken = copy.deepcopy(document)
        change(broken)
        return yaml.safe_dump(broken, sort_keys=False)

    container = lambda d: d["spec"]["containers"][0]
    model = lambda d: d["spec"]["predictor"]["model"]
    controls = [
        ("an unknown field in the container", "'healthCheck'",
         mutated(runtime, lambda d: container(d).update(healthCheck={"path": "/v2/health/ready"}))),
        ("a string containerPort", "containerPort", mutated(runtime, lambda d: container(d)["ports"][0].update(containerPort="8080"))),
        ("a misspelt storageUri", "'storageURI'", mutated(service, lambda d: model(d).update(storageURI=model(d).pop("storageUri")))),
        ("an unknown metadata field", "'label'", mutated(service, lambda d: d["metadata"].update(label={"a": "b"}))),
        ("a version the CRD does not serve", "v1alpha2", mutated(runtime, lambda d: d.update(apiVersion="serving.kserve.io/v1alpha2"))),
        ("two ports on the same containerPort and protocol", "repeats",
         mutated(runtime, lambda d: container(d)["ports"].append({"name": "again", "containerPort": 8080}))),
        ("a key given twice", "multiModel",
         open(os.path.join(folder, runtime_file)).read().replace("  multiModel: false\n", "  multiModel: false\n  multiModel: true\n")),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        for index, (what, field, text) in enumerate(controls):
            path = os.path.join(scratch, f"control-{index}.yaml")
            open(path, "w").write(text)
            try:
                found = [p for d in crd_schema.load_documents(open(path).read()) for p in crds.check(d)[1]]
            except yaml.YAMLError as error:
                found = [str(error)]
            if problems.check(any(field in p for p in found), f"negative control with {what} was not refused for {field!r} (found: {found})"):
                print(f"kserve: negative control refused as it must be ({what}): {found[0].splitlines()[0]}")


def check_relations(by_kind, problems):
    """The two runtimes are one, and the InferenceService can use it. (ServingRuntime, InferenceService) or Nones."""
    namespaced, cluster, services = (by_kind.get(k, []) for k in ("ServingRuntime", "ClusterServingRuntime", "InferenceService"))
    if not (problems.check(len(namespaced) == 1 and len(cluster) == 1, "deploy/kserve must hold one ServingRuntime and one ClusterServingRuntime")
            and problems.check(len(services) == 1, "deploy/kserve must hold one InferenceService")):
        return None, None
    runtime, service = namespaced[0], services[0]
    problems.check(runtime["spec"] == cluster[0]["spec"], "the ServingRuntime and ClusterServingRuntime specs differ")
    problems.check(runtime["metadata"]["name"] == cluster[0]["metadata"]["name"], "the two runtimes have different names")
    spec = runtime["spec"]
    formats = {(f["name"], f.get("version")): f for f in spec.get("supportedModelFormats", [])}
    problems.check(formats.get(FORMAT, {}).get("autoSelect") is True, f"the runtime does not auto-select the format {FORMAT}")
    problems.check(spec.get("protocolVersions") == ["v2"], "the runtime must speak exactly the V2 protocol")
    problems.check(spec.get("multiModel") is False, "the runtime must be single-model")

    predictor = service["spec"]["predictor"]
    model = predictor["model"]
    problems.check(re.match(ISVC_NAME, service["metadata"]["name"]), "KServe refuses the InferenceService's name")
    problems.check(model.get("runtime") == runtime["metadata"]["name"], "the InferenceService names another runtime")
    problems.check((model["modelFormat"]["name"], model["modelFormat"].get("version")) in formats,
                   "the InferenceService's model format (and version) is not one the runtime supports")
    problems.check(model.get("protocolVersion") in spec.get("protocolVersions", []), "the runtime does not speak the InferenceService's protocol")
    problems.check(str(model.get("storageUri", "")).startswith(STORAGE_SCHEMES), "the storageUri has no scheme KServe's storage initializer reads")
    problems.check(predictor.get("minReplicas", 1) >= 2, "fewer than 2 replicas: a single pod makes every rollout an outage")
    return runtime, service


def check_against_server(root, binary, spec, predictor, problems):
    """The runtime's container against the image, deploy/kubernetes, Knative's limits and the server's own flags."""
    containers = spec["containers"]
    if not problems.check(len(containers) == 1 and containers[0]["name"] == CONTAINER, f"the runtime must have one container named {CONTAINER}"):
        return
    container = containers[0]
    security = container.get("securityContext", {})
    problems.check(not set(container) - KNATIVE_CONTAINER, f"Knative would refuse the container fields {sorted(set(container) - KNATIVE_CONTAINER)}")
    problems.check(not set(security) - KNATIVE_SECURITY, f"Knative would refuse the securityContext fields {sorted(set(security) - KNATIVE_SECURITY)}")

    image = image_stage(os.path.join(root, "Dockerfile"))
    deployment = yaml.safe_load(open(os.path.join(root, "deploy/kubernetes/deployment.yaml")))
    k8s_container = deployment["spec"]["template"]["spec"]["containers"][0]
    problems.check(container["image"] == k8s_container["image"], "the runtime's image is not deploy/kubernetes' image")
    problems.check(container.get("resources") == k8s_container["resources"], "the runtime's resources are not deploy/kubernetes' (CPU 2, requests = limits)")
    problems.check(security.get("runAsNonRoot") is True and str(security.get("runAsUser")) == image["user"],
                   "the container may run as root, or not as the Dockerfile's USER")
    problems.check(security.get("allowPrivilegeEscalation") is False and security.get("readOnlyRootFilesystem") is True
                   and security.get("capabilities", {}).get("drop") == ["ALL"] and security.get("seccompProfile", {}).get("type") == "RuntimeDefault",
                   "the security context is weaker than deploy/kubernetes' (no escalation, read-only root, drop ALL, RuntimeDefault seccomp)")

    options = serve_options(binary)
    argv = container.get("command") or image["entrypoint"]
    problems.check(argv[1:] == ["serve"], f"the container does not run `shufflenet serve` (runs {argv})")
    args = container.get("args", [])
    flags = parse_flags(args, options, problems)
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    known = {variable for _, variable in options.values() if variable}
    for name in sorted(set(env) - known):
        problems.append(f"the server reads no variable {name} (serve --help lists {sorted(known)})")
    setting = lambda flag: flags.get(flag, env.get(options.get(flag, (False, None))[1]))  # a flag wins, as in the server

    ports = container.get("ports", [])
    if problems.check(len(ports) == 1 and ports[0].get("name") == "http1", "the container must expose one port, named http1 (Knative's HTTP/1.1)"):
        port = ports[0]["containerPort"]
        problems.check(setting("--port") == str(port), f"the server would listen on {setting('--port')}, the container exposes {port}")
        annotations = spec.get("annotations", {})
        problems.check(annotations.get("prometheus.kserve.io/port") == str(port) and annotations.get("prometheus.kserve.io/path") == "/metrics",
                       "Prometheus would scrape another port or path than the server's /metrics")
        for name, path in HEALTH.items():
            probe = container.get(name, {}).get("httpGet", {})
            problems.check(probe.get("port") == port, f"{name} must ask port {port} by number (Knative renames the port)")
            problems.check(probe.get("path") == path, f"{name} asks {probe.get('path')}, not the V2 health route {path}")
    startup = container.get("startupProbe", {})
    problems.check(startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3) >= 30, "the startup probe allows less than 30 s for load and warm-up")
    problems.check(setting("--model") == MODEL_DIR, f"the server does not load {MODEL_DIR}, where KServe puts the model")
    problems.check({**image["env"], **env}.get("SHUFFLENET_HOST") in ("0.0.0.0", "::"), "the server does not listen on every address")
    drain = float(setting("--drain-delay") or 0) + float(setting("--shutdown-timeout") or 0)
    problems.check("terminationGracePeriodSeconds" not in predictor, "Knative refuses a predictor's terminationGracePeriodSeconds")
    problems.check(0 < drain < DEFAULT_GRACE_SECONDS,
                   f"drain delay + shutdown timeout ({drain} s) must be set and end inside the default grace period ({DEFAULT_GRACE_SECONDS} s)")
    batch, body = setting("--max-batch"), setting("--max-body-bytes")
    problems.check(batch and body and int(body) > int(batch) * FP32_IMAGE_BYTES,
                   "the body limit does not admit a full V2 batch of FP32 224² tensors (set both max batch and max body bytes)")

    status, stderr, stopped_at_model = dry_run(binary, argv, args, {**image["env"], **env}, MODEL_DIR)
    if problems.check(stopped_at_model, f"the server refused the runtime's configuration (exit {status}): {stderr}"):
        print(f"kserve: the server accepts the runtime's configuration (dry run stopped at the absent model, exit {status})")
    # The dry run's own control: a configuration the server must refuse (buffered uploads below one upload).
    status, stderr, stopped_at_model = dry_run(binary, argv, args, {**image["env"], **env, "SHUFFLENET_MAX_BUFFERED_BODY_BYTES": "1"}, MODEL_DIR)
    if problems.check(status != 0 and not stopped_at_model, "the dry run's control (buffered body bytes 1) was not refused"):
        print(f"kserve: dry run control refused as it must be (exit {status}): {stderr.splitlines()[0]}")


if __name__ == "__main__":
    sys.exit(main())
