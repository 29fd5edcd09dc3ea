"""What the server itself says about how it may be started: the flags and variables of `shufflenet serve --help`,
the image's final stage (ENV, USER, ENTRYPOINT), and a dry run of the real binary with a container's configuration.
"""

import json
import os
import re
import subprocess
import tempfile


class Problems(list):
    def check(self, condition, message):
        if not condition:
            self.append(message)
        return bool(condition)


def image_stage(dockerfile):
    """The Dockerfile's final stage: {'env': {...}, 'user': '10001', 'entrypoint': [...]}, what a container starts from."""
    lines = open(dockerfile).read().replace("\\\n", " ").splitlines()
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    stage = {"env": {}, "user": None, "entrypoint": []}
    for line in lines[last_from:]:
        if line.startswith("ENV "):
            stage["env"].update((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', line[4:]))
        elif line.startswith("USER "):
            stage["user"] = line.split()[1]
        elif line.startswith("ENTRYPOINT "):
            stage["entrypoint"] = json.loads(line[len("ENTRYPOINT "):])
    return stage


def serve_options(binary):
    """{--flag: (takes a value, its SHUFFLENET_ variable or None)} from the binary's own `serve --help`."""
    text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
    entries, current = {}, None
    for line in text.splitlines():
        match = re.match(r"\s+(?:-\w, )?(--[a-z0-9-]+)( <[^>]+>)?", line)
        if match:
            current = match.group(1)
            entries[current] = [match.group(2) is not None, ""]
        if current:
            entries[current][1] += " " + line  # help wraps over several lines; the variable ends it
    options = {}
    for flag, (takes_value, help_text) in entries.items():
        variable = re.search(r"\[(SHUFFLENET_[A-Z0-9_]+)", help_text)
        options[flag] = (takes_value, variable.group(1) if variable else None)
    return options


def parse_flags(args, options, problems):
    """{--flag: value} of a container's args, each flag checked against `serve --help`."""
    flags, i = {}, 0
    while i < len(args):
        name, has_value, value = args[i].partition("=")
        if name not in options:
            problems.append(f"the container passes {args[i]!r}, which `shufflenet serve --help` does not list")
            if not has_value and i + 1 < len(args) and not args[i + 1].startswith("-"):
                i += 1  # its value, most likely
        elif options[name][0] and not has_value:
            if problems.check(i + 1 < len(args), f"{name} is missing its value"):
                value = args[i + 1]
                i += 1
        flags[name] = value
        i += 1
    return flags


def dry_run(binary, argv, args, env, model_dir):
    """Starts the real binary with a container's command, args and environment, only `model_dir` replaced by a folder
    that does not exist. (exit status, stderr, whether it stopped at that folder): a configuration the server accepts
    gets past its checks (exit 64 and a usage message otherwise) and fails on the model, exit 1, before binding."""
    with tempfile.TemporaryDirectory() as scratch:
        absent = os.path.join(scratch, "absent-models")
        swap = lambda text: text.replace(model_dir, absent)
        command = [binary] + argv[1:] + [swap(a) for a in args]  # this machine's build stands in for the image's
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **{k: swap(v) for k, v in env.items()}}
        result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    return result.returncode, result.stderr.strip(), result.returncode == 1 and absent in result.stderr
