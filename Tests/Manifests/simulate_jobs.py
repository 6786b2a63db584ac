#!/usr/bin/env python3
"""Runs the pods of docs/kubernetes on this machine as Kubernetes would, inside a built image's file system: every
shard pod of the Indexed Job and the merge pod at once, each one its container's script with the environment the
pod would get, in its own mount and network namespaces (its own loopback, as a pod has its own network), the
results volume one shared folder. Two things are swapped so that it runs in a minute with no server: the workload
(smoke instead of the manifest's scenario and scale) and the store (each shard its own embedded sqlite instead of
the server in the Secret; communities never share data, so shards may). The start instant is set a little ahead.
Everything else (the shard count, --shard auto, --start-at, the exit-status files, the merge's wait, merge, report)
is the manifests' own. Then it checks what a user would collect.

Usage: simulate_jobs.py ROOTFS IMAGE_ENV_FILE [DOCS_FOLDER] (as root, for chroot and namespaces; `make
image-jobs-check` exports the built image to ROOTFS and its ENV to IMAGE_ENV_FILE, one VARIABLE=value a line).
Exits 1 naming what failed.
"""

import ctypes
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import check_manifests as manifests

# The manifest's workload and server, and what the simulation replays instead.
SWAPS = [(r"--scenario \S+ --scale \S+", "--scenario smoke"),
         (r'--backends postgres --option "url=\$SURGEBENCH_URL"', "--backends sqlite")]
START_AHEAD_SECONDS = 20
TIMEOUT_SECONDS = 300


def rendered_objects(docs):
    """The objects `kubectl apply -k` would create from docs/kubernetes (kubectl kustomize, else the files)."""
    folder = os.path.join(docs, "kubernetes")
    path = os.path.join(folder, "kustomization.yaml")
    kustomization = manifests.load_objects(path)[0]
    objects = manifests.rendered_kustomization(folder, path, kustomization)
    if objects is None:
        objects = [o for resource in kustomization["resources"] for o in manifests.load_objects(os.path.join(folder, resource))]
    return objects


def pod_script(obj):
    container = manifests.pod_specs(obj)[0]["containers"][0]
    argv = container.get("command", []) + container.get("args", [])
    if argv[:2] != ["/bin/sh", "-c"]:
        raise manifests.ManifestError(f"{manifests.describe(obj)}: expected a /bin/sh -c script, found {argv[:2]}")
    script = argv[2]
    for pattern, replacement in SWAPS:
        script, count = re.subn(pattern, replacement, script)
        if count == 0 and manifests.describe(obj) == "Job/surgebench-shards":
            raise manifests.ManifestError(f"the shards' script no longer contains {pattern!r}: update SWAPS in {__file__}")
    return container, script


def start_pod(name, rootfs, results, script, environment, log):
    """One pod: its own mount, network and PID namespaces, the image's file system as root, the volume at /results,
    `environment` (the image's ENV, then the container's) and nothing else from this process."""
    inside = ('ip link set lo up && mount -t proc proc "$ROOTFS/proc" && mount --rbind /dev "$ROOTFS/dev" '
              '&& mount --bind "$RESULTS" "$ROOTFS/results" && exec env -i "$@" chroot "$ROOTFS" /bin/sh -c "$POD_SCRIPT"')
    pod_environment = dict({"HOME": "/root"}, **environment, HOSTNAME=name)
    env = {"PATH": os.environ["PATH"], "ROOTFS": rootfs, "RESULTS": results, "POD_SCRIPT": script}
    arguments = [f"{key}={value}" for key, value in pod_environment.items()]
    print(f"starting pod {name}")
    # Its own PID namespace too, as a pod has, whose first process dies with unshare (--kill-child), and unshare with
    # this script (the parent-death signal): a pod never outlives the simulation, even one killed with kill -9.
    return subprocess.Popen(["unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "/bin/sh", "-c", inside, "pod"]
                            + arguments, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)


def die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def print_logs(logs, pods, names):
    for pod in dict.fromkeys(names):
        with open(os.path.join(logs, pod + ".log")) as log:
            print(f"--- pod {pod} (exit status {pods[pod].poll()}) ---\n{log.read().strip()}")


def image_environment(path):
    with open(path) as file:
        return dict(line.rstrip("\n").split("=", 1) for line in file if "=" in line)


def main(rootfs, image_env_file, docs):
    rootfs = os.path.abspath(rootfs)
    image_env = image_environment(image_env_file)
    if not os.access(os.path.join(rootfs, "usr/local/bin/surgebench"), os.X_OK):
        raise manifests.ManifestError(f"{rootfs} holds no usr/local/bin/surgebench: export a built image there first (make image-jobs-check)")
    objects = rendered_objects(docs)
    by_name = {manifests.describe(o): o for o in objects}
    shards_job, merge_job = by_name["Job/surgebench-shards"], by_name["Job/surgebench-merge"]
    shard_count = shards_job["spec"]["completions"]
    start_at = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                + datetime.timedelta(seconds=START_AHEAD_SECONDS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    results = tempfile.mkdtemp(prefix="surgebench-volume-")
    logs = tempfile.mkdtemp(prefix="surgebench-pods-")
    pods = {}
    try:
        for name, job, indexes in [("merge", merge_job, [None]), ("shard", shards_job, range(shard_count))]:
            container, script = pod_script(job)
            for index in indexes:
                environment = dict(image_env, **manifests.container_environment(job, container, objects))
                environment["START_AT"] = start_at
                pod = name if index is None else f"{name}-{index}"
                if index is not None:
                    environment["JOB_COMPLETION_INDEX"] = str(index)
                log = open(os.path.join(logs, pod + ".log"), "w")
                pods[pod] = start_pod(pod, rootfs, results, script, environment, log)
        deadline = time.monotonic() + TIMEOUT_SECONDS
        for pod, process in pods.items():
            try:
                process.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print_logs(logs, pods, pods)
                raise manifests.ManifestError(f"pod {pod} was still running after {TIMEOUT_SECONDS} s")
        failed = [pod for pod, process in pods.items() if process.returncode != 0]
        print_logs(logs, pods, failed + ["merge"])
        if failed:
            raise manifests.ManifestError(f"pods failed: {', '.join(failed)}")
        run = os.path.join(results, start_at)
        expected = ([f"shard-{i}/results.json" for i in range(shard_count)] + [f"shard-{i}.exit" for i in range(shard_count)]
                    + ["merged/results.json", "merged/summary.md", "report.md", "report.html"])
        missing = [f for f in expected if not os.path.exists(os.path.join(run, f))]
        if missing:
            raise manifests.ManifestError(f"the run's folder {run} lacks {', '.join(missing)}")
        print(f"{shard_count} shard pods and the merge pod finished; /results/{start_at} holds "
              f"{', '.join(sorted(os.listdir(run)))}")
    finally:
        for process in pods.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(results, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    try:
        main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "docs")
    except manifests.ManifestError as error:
        sys.exit(f"simulate_jobs.py: {error}")
