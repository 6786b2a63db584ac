#!/usr/bin/env python3
"""Checks every Kubernetes manifest under docs/ so that it cannot rot as the code changes (part of `make test`).

1. Every Kubernetes object in a YAML file under docs/ validates against the Kubernetes schema, offline and strictly
   (unknown fields are errors), for the oldest and the newest Kubernetes versions kubernetes-validate knows. Each
   kustomization's resources exist; when kubectl is installed, what `kubectl kustomize` renders validates too and is
   what the next step reads (the shard count copied into place), otherwise the files as written are read.
2. Every `surgebench` command line in a container, written directly or inside a `sh -c` script, is given to the
   binary with SURGEBENCH_CHECK_ARGUMENTS set, which parses and validates it with the options the code accepts but
   does not run it. Variables take the values the pod would see: literal env values, ConfigMap keys, an example for
   each Secret key (a loopback address: nothing leaves this machine even if the binary ran), the index Kubernetes
   gives an Indexed Job's pod, and the script's own assignments. A pod annotated for Prometheus must serve
   --metrics-listen on the annotated port and declare it.

Usage: check_manifests.py SURGEBENCH_BINARY [DOCS_FOLDER]. Needs kubernetes-validate (`make deps` installs it into
.build-venv). Exits 1 naming the file, the object and the problem.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml

# The oldest and newest Kubernetes versions checked (Indexed Jobs are generally available from 1.24).
KUBERNETES_VERSIONS = ["1.25.0", kubernetes_validate.latest_version()]
# What a pod would read from a Secret, by (secret, key): examples on loopback, never a real address.
SECRET_EXAMPLES = {("surgebench-server", "url"): "postgresql://surgebench:example-password@127.0.0.1:1/surgebench"}
# What Kubernetes sets in every pod of an Indexed Job.
INDEXED_JOB_VARIABLES = {"JOB_COMPLETION_INDEX": "0"}
CHECK_VARIABLE = "SURGEBENCH_CHECK_ARGUMENTS"
SEPARATORS = {";", "&&", "||", "|", "&", "(", ")"}
SHELL_KEYWORDS = {"exec", "if", "then", "else", "elif", "while", "until", "do", "!", "time"}
# `surgebench` as a command word in a shell text.
SURGEBENCH_COMMAND = re.compile(r"(^|[\s;&|(])surgebench\s")


class ManifestError(Exception):
    pass


def yaml_files(folder):
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith((".yaml", ".yml")):
                yield os.path.join(root, name)


def load_objects(path):
    """The Kubernetes objects (documents with apiVersion and kind) in one YAML file, with their source."""
    with open(path) as file:
        try:
            documents = list(yaml.safe_load_all(file))
        except yaml.YAMLError as error:
            raise ManifestError(f"{path}: not valid YAML: {error}")
    return [d for d in documents if isinstance(d, dict) and "apiVersion" in d and "kind" in d]


def describe(obj):
    return f"{obj['kind']}/{obj.get('metadata', {}).get('name', '?')}"


def validate_schema(path, obj):
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = "/".join(str(p) for p in error.path) or "(top)"
            raise ManifestError(f"{path}: {describe(obj)} is not valid for Kubernetes {version} at {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            raise ManifestError(f"{path}: {describe(obj)}: Kubernetes {version} has no {obj['apiVersion']} {obj['kind']}")


def rendered_kustomization(folder, path, kustomization):
    """The objects `kubectl kustomize` renders from a kustomization folder, or None without kubectl."""
    for resource in kustomization.get("resources", []):
        if not os.path.exists(os.path.join(folder, resource)):
            raise ManifestError(f"{path}: lists {resource}, which does not exist")
    if shutil.which("kubectl") is None:
        return None
    done = subprocess.run(["kubectl", "kustomize", folder], capture_output=True, text=True)
    if done.returncode != 0:
        raise ManifestError(f"{path}: `kubectl kustomize {folder}` failed: {done.stderr.strip()}")
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def pod_template(obj):
    """A Pod itself, or a workload's pod template ({metadata, spec}); None for an object that runs no pod."""
    if obj["kind"] == "Pod":
        return obj
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template")


def pod_specs(obj):
    """The pod spec of a Pod, or of a workload's pod template."""
    template = pod_template(obj)
    return [template["spec"]] if template and "spec" in template else []


def container_environment(obj, container, objects):
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    environment = dict(INDEXED_JOB_VARIABLES) if obj["kind"] == "Job" and obj["spec"].get("completionMode") == "Indexed" else {}
    for variable in container.get("env", []):
        name = variable["name"]
        if "value" in variable:
            environment[name] = variable["value"]
            continue
        source = variable.get("valueFrom", {})
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            if ref["key"] not in config_maps.get(ref["name"], {}):
                raise ManifestError(f"{describe(obj)}: {name} reads key {ref['key']} of ConfigMap {ref['name']}, which no manifest defines")
            environment[name] = config_maps[ref["name"]][ref["key"]]
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            if (ref["name"], ref["key"]) not in SECRET_EXAMPLES:
                raise ManifestError(f"{describe(obj)}: {name} reads Secret {ref['name']} key {ref['key']}: add an example value to SECRET_EXAMPLES in {__file__}")
            environment[name] = SECRET_EXAMPLES[(ref["name"], ref["key"])]
        else:
            raise ManifestError(f"{describe(obj)}: {name} comes from {list(source)}, which this check cannot give a value")
    return environment


def expand(text, environment, where):
    def value(match):
        name = match.group(1) or match.group(2)
        if name not in environment:
            raise ManifestError(f"{where}: ${name} has no value in the pod (not in its env, its ConfigMaps or the script)")
        return environment[name]
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value, text)


def simple_commands(line):
    """A shell line's simple commands as word lists, split at ; && || | & and parentheses."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    commands, words = [], []
    for token in lexer:
        if token in SEPARATORS:
            commands.append(words)
            words = []
        else:
            words.append(token)
    commands.append(words)
    return [c for c in commands if c]


def surgebench_command_lines(script, environment, where):
    """The `surgebench` command lines of a shell script, its variables expanded; follows NAME=VALUE assignments."""
    environment = dict(environment)
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        assignment = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*", line)
        if assignment and "$(" not in assignment.group(2) and "`" not in assignment.group(2):
            environment[assignment.group(1)] = shlex.split(expand(assignment.group(2), environment, where))[0] if assignment.group(2) else ""
            continue
        if not SURGEBENCH_COMMAND.search(line):
            continue
        for words in simple_commands(expand(line, environment, where)):
            while words and words[0] in SHELL_KEYWORDS:
                words = words[1:]
            if words and words[0] == "surgebench":
                found.append(words)
    return found


def container_command_lines(container, environment, where):
    """The surgebench command lines a container runs, given the environment it gets (`where` names it in errors)."""
    argv = container.get("command", []) + container.get("args", [])
    if len(argv) >= 3 and os.path.basename(argv[0]) in ("sh", "bash", "dash") and argv[1] == "-c":
        return surgebench_command_lines(argv[2], environment, where)
    if argv and os.path.basename(argv[0]) == "surgebench":
        # Kubernetes expands $(NAME) in command and args.
        return [[re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: environment.get(m.group(1), m.group(0)), word) for word in argv]]
    return []


def check_scrape_port(where, obj, container, lines):
    """A pod Prometheus is told to scrape serves --metrics-listen on the annotated port, and declares that port."""
    port = ((pod_template(obj) or {}).get("metadata") or {}).get("annotations", {}).get("prometheus.io/port")
    if port is None:
        return
    listening = [words[i + 1].rsplit(":", 1)[-1] for words in lines for i, word in enumerate(words[:-1]) if word == "--metrics-listen"]
    declared = [str(p.get("containerPort")) for p in container.get("ports", [])]
    if port not in listening or port not in declared:
        raise ManifestError(f"{where}: annotated prometheus.io/port {port}, but --metrics-listen serves port(s) {listening or 'none'} "
                            f"and the container declares {declared or 'none'}")


def check_command_line(binary, words, extra_environment):
    """Runs the binary on one command line in check-only mode; returns its error or None."""
    environment = dict(os.environ, **extra_environment, **{CHECK_VARIABLE: "1"})
    with tempfile.TemporaryDirectory() as folder:  # anything a broken check-only mode wrote would land here, and go
        done = subprocess.run([binary] + words[1:], capture_output=True, text=True, env=environment, cwd=folder, timeout=60)
    if done.returncode == 0 and "the command line is valid" in done.stdout:
        return None
    return (done.stderr or done.stdout).strip() or f"exit status {done.returncode}"


def check_the_checks(binary):
    """The checks must be able to fail: a wrong option and a wrong field are caught, and check-only mode runs nothing."""
    with tempfile.TemporaryDirectory() as folder:
        probe = os.path.join(folder, "probe")
        if check_command_line(binary, ["surgebench", "run", "--scenario", "smoke", "--out", probe], {}) is not None or os.path.exists(probe):
            raise ManifestError(f"{binary} does not honour {CHECK_VARIABLE}: it must parse a command line without running it")
    if check_command_line(binary, ["surgebench", "run", "--no-such-option"], {}) is None:
        raise ManifestError(f"{binary} accepted an unknown option in check-only mode")
    wrong = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
             "spec": {"completions": "four", "template": {"spec": {"containers": [{"name": "x", "image": "x"}]}}}}
    try:
        validate_schema("(the checker's own wrong Job)", wrong)
    except ManifestError:
        return
    raise ManifestError("the schema validation accepted a Job with completions: \"four\"")


def main(binary, docs):
    binary = os.path.abspath(binary)
    if not os.access(binary, os.X_OK):
        raise ManifestError(f"{binary} is not an executable: build it first (make build)")
    check_the_checks(binary)
    objects_by_file = {path: load_objects(path) for path in yaml_files(docs)}
    # What the pods read: each kustomization's rendering where kubectl can render it, else the files themselves.
    read = {}
    for path, objects in objects_by_file.items():
        for obj in objects:
            if obj["kind"] == "Kustomization":
                folder = os.path.dirname(path)
                rendered = rendered_kustomization(folder, path, obj)
                if rendered is not None:
                    for rendered_obj in rendered:
                        validate_schema(f"{path} (rendered)", rendered_obj)
                    read[folder] = (f"{path} (rendered by kubectl kustomize)", rendered)
                    print(f"{path}: rendered by kubectl kustomize: {len(rendered)} objects, valid")
                else:
                    print(f"{path}: its resources exist (kubectl is not installed: the rendering is not checked)")
            else:
                validate_schema(path, obj)
                print(f"{path}: {describe(obj)} valid for Kubernetes {' and '.join(KUBERNETES_VERSIONS)}")
    all_objects = [o for objects in objects_by_file.values() for o in objects if o["kind"] != "Kustomization"]
    sources = list(read.values())
    for path, objects in objects_by_file.items():
        if not any(path.startswith(folder + os.sep) for folder in read):
            sources.append((path, [o for o in objects if o["kind"] != "Kustomization"]))
    checked = 0
    for source, objects in sources:
        context = objects + [o for o in all_objects if o["kind"] == "ConfigMap" and o not in objects]
        for obj in objects:
            for spec in pod_specs(obj):
                for container in spec.get("initContainers", []) + spec.get("containers", []):
                    where = f"{describe(obj)} container {container['name']}"
                    environment = container_environment(obj, container, context)
                    lines = container_command_lines(container, environment, where)
                    script = " ".join(container.get("command", []) + container.get("args", []))
                    if not lines and SURGEBENCH_COMMAND.search(script):
                        raise ManifestError(f"{source}: {where}: mentions surgebench, but no command line could be read from it")
                    check_scrape_port(f"{source}: {where}", obj, container, lines)
                    for words in lines:
                        error = check_command_line(binary, words, environment)
                        if error:
                            raise ManifestError(f"{source}: {where}: the binary refuses\n  {shlex.join(words)}\n{error}")
                        print(f"{source}: {where}: accepted: {shlex.join(words)}")
                        checked += 1
    if checked == 0:
        raise ManifestError(f"no surgebench command line found in the manifests under {docs}")
    print(f"{checked} surgebench command lines accepted by {binary}")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    try:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "docs")
    except ManifestError as error:
        sys.exit(f"check_manifests.py: {error}")
