#!/usr/bin/env python3
"""Model reload under load: N connections classify for S seconds while the served model file is replaced
(atomically, by rename) and SIGHUP sent every second, once with a corrupt file, and while the
model-repository API loads and unloads a second model.

Every answer must be right for the model it names (astronaut.png: barbell for g3, stethoscope for g8, the
reference top-1s); a request for the second model while it is unloaded must be a clean 400 unknown_model;
nothing else is allowed (no 5xx, no dropped connection). Resident memory after 20 reloads must be within
5 MB of what it was after the first.

    reload.py [--seconds 30] [--connections 64]
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

import common
from common import SHARED, Service, verdict

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seconds", type=float, default=30)
parser.add_argument("--connections", type=int, default=64)
args = parser.parse_args()

G3 = os.path.join(common.REPOSITORY, "models/shufflenet_v1_g3_0.5x.safetensors")
G8 = os.path.join(common.REPOSITORY, "models/shufflenet_v1_g8_0.5x.safetensors")
EXPECTED = {"shufflenet_v1_g3_0.5x": 422, "shufflenet_v1_g8_0.5x": 823}   # astronaut.png's reference top-1
ASTRONAUT = open(os.path.join(SHARED, "images/astronaut.png"), "rb").read()

work = tempfile.mkdtemp(prefix="shufflenet-reload-")
served = os.path.join(work, "served.safetensors")
shutil.copy(G3, served)
model_dir = os.path.join(work, "repository")
os.mkdir(model_dir)
shutil.copy(G8, os.path.join(model_dir, "shufflenet_v1_g8_0.5x.safetensors"))


def replace(source_bytes):
    aside = served + ".new"
    with open(aside, "wb") as f:
        f.write(source_bytes)
    os.rename(aside, served)


G3_BYTES = open(G3, "rb").read()
problems, counts, lock = [], {"ok": 0, "unloaded": 0}, threading.Lock()
stop = threading.Event()
common.MODEL = served
service = Service("--workers", "2", "--queue-size", "256", "--enable-model-control", "--model-dir", model_dir)


def client(index):
    model = "shufflenet_v1_g8_0.5x" if index % 4 == 0 else "shufflenet_v1_g3_0.5x"
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    while not stop.is_set():
        try:
            connection.request("POST", f"/classify?top_k=1&model={model}", ASTRONAUT, {"Content-Type": "image/png"})
            response = connection.getresponse()
            body = json.loads(response.read())
        except Exception as error:  # a dropped connection or a timeout is a failure
            with lock:
                problems.append(f"client {index}: {type(error).__name__}: {error}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
            continue
        with lock:
            if response.status == 200:
                top = body["predictions"][0]["index"]
                if body["model"] != model or top != EXPECTED[body["model"]]:
                    problems.append(f"wrong answer: asked {model}, got {body['model']} top-1 {top}")
                else:
                    counts["ok"] += 1
            elif response.status == 400 and body.get("error", {}).get("code") == "unknown_model" and model.endswith("g8_0.5x"):
                counts["unloaded"] += 1
            else:
                problems.append(f"{response.status} {body}")
        if response.status == 400:
            time.sleep(0.01)   # the model is unloaded for now; do not spin on refusals
    connection.close()


def repository(path):
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
    connection.request("POST", path, b"")
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


threads = [threading.Thread(target=client, args=(i,)) for i in range(args.connections)]
for thread in threads:
    thread.start()
start = time.monotonic()
reloads, rss = 0, []
loaded = False
while time.monotonic() - start < args.seconds:
    time.sleep(1)
    reloads += 1
    corrupt = reloads == 3
    replace(G3_BYTES[: len(G3_BYTES) // 3] if corrupt else G3_BYTES)
    service.process.send_signal(signal.SIGHUP)
    # The second model goes and comes back through the repository API.
    status = repository("/v2/repository/models/shufflenet_v1_g8_0.5x/" + ("unload" if loaded else "load"))
    if status != 200:
        problems.append(f"repository {'unload' if loaded else 'load'}: {status}")
    loaded = not loaded
    rss.append(service.rss_kib())
stop.set()
for thread in threads:
    thread.join()

# Memory, measured quietly: 21 reloads one after another with no traffic and the same models loaded; resident
# memory after the last against after the first (the load phase above churns upload and image buffers).
def reload_and_wait():
    before = service.text().count("reload finished")
    service.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 30
    while service.text().count("reload finished") == before and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)


replace(G3_BYTES)   # the loop may have ended on the corrupt file
quiet = []
for _ in range(21):
    reload_and_wait()
    quiet.append(service.rss_kib())
log = service.text()
if "model not reloaded; the previous one keeps serving" not in log:
    problems.append("the corrupt replacement was not reported")
published = log.count("model published")
growth = (quiet[-1] - quiet[0]) / 1024
service.stop()
shutil.rmtree(work)
print(f"reload: {args.seconds:.0f} s, {args.connections} connections, {reloads} SIGHUPs (one corrupt file), "
      f"{reloads} repository loads/unloads, {published} models published")
print(f"reload: {counts['ok']} right answers, {counts['unloaded']} clean 400s for the unloaded model, {len(problems)} problems")
print(f"reload: RSS under load {min(rss) / 1024:.1f}-{max(rss) / 1024:.1f} MiB; quiet reloads: after the first "
      f"{quiet[0] / 1024:.1f} MiB, after the 21st {quiet[-1] / 1024:.1f} MiB ({growth:+.1f} MiB)")
if growth > 5:   # memory given back (a negative growth) is what we want
    problems.append(f"resident memory grew {growth:.1f} MiB over 20 reloads (limit 5)")
if counts["ok"] == 0:
    problems.append("no request was answered")
sys.exit(verdict("reload", problems))
