# SurgeBench: `make test` runs the test suite, `make bench` the main benchmark.
# Both install the C libraries they need first (apt-get as root; otherwise they print the command to run).

SWIFT ?= swift
SURGEBENCH ?= .build/release/surgebench
# The C libraries come from Package.swift's system-library targets (their pkgConfig names and apt providers), so a
# backend wrapping a new library needs no edit here; the tools and servers the tests start are listed by hand.
C_LIBRARY_PACKAGES := $(shell sed -n 's/.*\.apt(\["\([^"]*\)"\]).*/\1/p' Package.swift)
PKG_CONFIG_NAMES := $(shell sed -n 's/.*pkgConfig: "\([^"]*\)".*/\1/p' Package.swift)
APT_PACKAGES := pkg-config sqlite3 postgresql redis-server redis-tools python3 python3-venv gcc libc6-dev $(C_LIBRARY_PACKAGES)
# The offline Kubernetes schema validator of the manifest check (`make manifest-check`), from PyPI, in a virtual
# environment of its own.
PYTHON_VENV := .build-venv
KUBERNETES_VALIDATE := kubernetes-validate==1.37.0

# Every list of backends below comes from the catalog (`surgebench backends --names GROUP`, `--durability-cells`), so
# that a new backend needs no edit here.

# The main job: outage-2021 against the embedded stores (`run`'s default: memory, sqlite, lmdb, rocksdb), every store in
# durability class power (its cheapest mode that survives a power loss; memory runs beside them as the reference), first
# with a transaction and a sync per write, then with group commit. Scale 6 puts the surge's peak (about 4,000 offered
# operations/s) past sqlite's and lmdb's knee with a sync per commit on this 2-core machine while rocksdb (whose WAL
# shares syncs between concurrent commits) holds, and group commit brings all three back; 20 s of schedule keeps the
# whole job near five minutes with the build. BENCH_CLASS picks another class (`surgebench backends` lists them).
BENCH_ARGS ?= --scenario outage-2021 --scale 6 --duration 20s
BENCH_CLASS ?= power

# The CI comparison (.ci/compare): the base revision named in results/ci-base and this checkout, both built here,
# replay the `ci` scenario's trace interleaved, 12 runs a side, and `surgebench compare` judges the candidate at the
# normal tolerances with 95% family-wise confidence. Settings: CI_RUNS, CI_WORKLOAD, CI_BACKENDS, CI_TOLERANCE_SCALE
# (.ci/gate.sh), CI_CANDIDATE_ARGS (.ci/compare). `make ci-power` measures how often that gate catches a known
# regression and how often it raises a false alarm (docs/ci-gate.md): CI_POWER_TRIALS trials of the arms
# CI_POWER_ARMS (each trial about 3 minutes an arm, the base counting as one), published in results/ci-power.
CI_POWER_TRIALS ?= 10
CI_POWER_ARMS ?= unchanged tail-50

# The published tables in results/: a reference run of every built-in scenario and a capacity search for each
# persistent backend on this machine kind, then results/README.md and results/report.html generated from them.
PUBLISHED_RUNS := results/outage-2021 results/outage-2021-group results/outage-2021-process results/signal-2021 results/steady results/smoke
# The durability classes the capacity searches and the sizing table cover.
PUBLISHED_CLASSES := power process
# The capacity searches: one folder per persistent embedded backend (`surgebench backends --names persistent`) and class.
PUBLISHED_CAPACITY = $(wildcard results/capacity-*)
# The cost-growth curve (`surgebench grow`): every persistent embedded backend (grow's default) grown to 100k, 1M and
# 10M messages (lmdb's map must hold 10M messages: about 7 GiB).
PUBLISHED_GROWTH := results/growth
GROW_ARGS ?= --sizes 1e5,1e6,1e7 --option lmdb.map-size=32GiB

# Server backends, not part of `make bench`: outage-2021 in class power against PostgreSQL (a throwaway server
# SurgeBench starts and removes: local) and a 3-master Redis Cluster (appendfsync always), the embedded backends
# alongside; then class replica: PostgreSQL with a synchronous standby and the cluster with a replica per master that
# confirms every write (WAIT 1); then the cluster with a replica per master while 1000 slots move during the peak and,
# after that, its busiest master is killed. Scale 8 takes both PostgreSQL modes past their knee on a 2-core machine.
# SERVER_OUT, when set, is the folder prefix the three runs write to (`make publish-servers` uses results/servers).
SERVER_BENCH_ARGS ?= --scenario outage-2021 --scale 8 --duration 30s
SERVER_OUT ?=
PUBLISHED_SERVER_RUNS := results/servers-local results/servers-replicated results/servers-redis-faults
# The reference drivers beside the built-in stores (`make bench-drivers`): in class power, and the null driver beside
# memory in class none (the protocol's cost over a whole replay).
PUBLISHED_DRIVER_RUNS := results/drivers-power results/drivers-floor
# Capacity searches of the server backends (`surgebench backends --names servers`), one per class of
# SERVER_CAPACITY_CLASSES: power (PostgreSQL with its WAL flushed locally; 3 Redis masters, appendfsync always) and replica
# (a synchronous standby; a replica per master confirming every write). Folders results/server-capacity-BACKEND-CLASS.
SERVER_CAPACITY_CLASSES := power replica
PUBLISHED_SERVER_CAPACITY = $(wildcard results/server-capacity-*)

# The durability matrix (`make durability`): every durability mode of every crashable backend crashed mid-surge, by
# SIGKILL (process), by a simulated power cut under each model (power: strict; power/reorder) and, where the mode can
# fail over, by the death of its primary alone (failover), in docs/crash-surge.yaml's peak. Each cell is
# backend:mode:kind[/model]:crashes, listed by `surgebench backends --durability-cells` from the modes' declared
# promises: 50 crashes where the mode promises to keep every acknowledged write, 20 where it may lose recent ones but
# must never corrupt, 10 where it promises nothing, 20 failovers. Writes results/durability/<cell>/ and
# results/durability/README.md (3-7 s a crash embedded, 5-8 s PostgreSQL, 9-20 s Redis, 18-25 s a failover on a fresh
# replicated store; the failover, reorder and strict power cells published took about 2 hours, partly run in parallel). DURABILITY_CELLS picks cells (default: every cell), DURABILITY_ARGS passes
# options to every cell.
DURABILITY_ARGS ?= --scenario docs/crash-surge.yaml --workers 4
DURABILITY_CELLS ?=
DURABILITY_OUT ?= results/durability
# DURABILITY_CRASHES, when set, replaces every cell's number of crashes (a quicker, coarser matrix).
DURABILITY_CRASHES ?=
# The same matrix for the registered drivers (Sources/Drivers/drivers.conf): `make durability-drivers`.
DRIVER_DURABILITY_OUT ?= results/durability-drivers
DURABILITY_TARGET ?= durability


.PHONY: bench-drivers durability-drivers publish-server-capacity redis-benchmark-check group-commit-ratio fuzz fuzz-smoke bench-sharded durability durability-report bench-servers pgbench-check publish-servers publish-growth publish report deps system-deps build test bench ci-compare ci-power ci-baseline manifest-check image image-debian-base image-rootfs image-smoke image-jobs-check microbench microbench-check microbench-thresholds clean

# Everything the tests need: the system packages, then the manifest check's validator from PyPI.
deps: system-deps $(PYTHON_VENV)/bin/kubernetes-validate

# The C libraries, servers and tools from Debian's packages (all a build and a benchmark need).
system-deps:
	@if pkg-config --exists $(PKG_CONFIG_NAMES) && command -v sqlite3 >/dev/null && [ -x /usr/lib/postgresql/15/bin/pg_ctl ] \
		&& python3 -c "import sqlite3, ensurepip" 2>/dev/null && command -v cc >/dev/null \
		&& [ -x /usr/bin/redis-server ] && [ -x /usr/bin/redis-cli ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(APT_PACKAGES) ..."; \
		no_start=; if [ ! -e /usr/sbin/policy-rc.d ]; then no_start=1; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; status=$$?; \
		if [ -n "$$no_start" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	else \
		echo "SurgeBench needs the SQLite, LMDB, RocksDB, libpq and hiredis C libraries, PostgreSQL 15, Redis, and Python 3 and a C compiler for the reference drivers. Install them with:"; \
		echo "    sudo apt-get install -y $(APT_PACKAGES)"; \
		exit 1; \
	fi

$(PYTHON_VENV)/bin/kubernetes-validate: | system-deps
	@echo "Installing $(KUBERNETES_VALIDATE) into $(PYTHON_VENV) ..."
	@{ python3 -m venv $(PYTHON_VENV) && $(PYTHON_VENV)/bin/pip install -q $(KUBERNETES_VALIDATE); } \
		|| { rm -rf $(PYTHON_VENV); echo "Could not install $(KUBERNETES_VALIDATE) from PyPI into $(PYTHON_VENV) (the manifest check needs it)"; exit 1; }

build: system-deps
	$(SWIFT) build -c release

bench: build
	.build/release/surgebench run $(BENCH_ARGS) --durability $(BENCH_CLASS)
	.build/release/surgebench run $(BENCH_ARGS) --durability $(BENCH_CLASS) --backends $$(.build/release/surgebench backends --names persistent) \
		--option commit=group

bench-servers: build
	.build/release/surgebench run $(SERVER_BENCH_ARGS) --backends $$(.build/release/surgebench backends --names stores) --durability power \
		$(if $(SERVER_OUT),--out $(SERVER_OUT)-local)
	.build/release/surgebench run $(SERVER_BENCH_ARGS) --backends $$(.build/release/surgebench backends --names stores) --durability replica \
		$(if $(SERVER_OUT),--out $(SERVER_OUT)-replicated)
	@# Killing a master of asynchronously replicated Redis can lose acknowledged writes: the run then exits non-zero,
	@# and what it lost is the finding, published with the rest.
	-.build/release/surgebench run $(SERVER_BENCH_ARGS) --backends redis-cluster --option replicas=1 \
		--fault reshard@10s:1000-slots --fault kill-master@24s $(if $(SERVER_OUT),--out $(SERVER_OUT)-redis-faults)

# The reference drivers (Sources/Drivers) replaying outage-2021 beside sqlite in class power, and the null driver beside
# memory in class none, 3 repetitions each (about 20 minutes).
bench-drivers: build
	.build/release/surgebench run --backends python-sqlite,memory-c,sqlite --durability power --repeat 3 --plain-progress --out results/drivers-power
	.build/release/surgebench run --backends null,memory --durability none --repeat 3 --plain-progress --out results/drivers-floor

# Scale-out on one machine (Benchmarks/sharded/bench-sharded.sh): one throwaway PostgreSQL server, the trace replayed
# once whole and once as SHARDS processes started together (--shard i/n, --start-at), the shards merged
# (`surgebench merge`) and checked against the whole run: identical operation counts per phase and kind and identical
# integrity verdicts. Settings: SHARDS, SHARDED_WORKLOAD, SHARDED_WORKERS, SHARDED_OUT (see the script).
bench-sharded: build
	Benchmarks/sharded/bench-sharded.sh

# The honesty test of the postgres backend: the same transaction through SurgeBench and through pgbench on one
# throwaway server, closed loop and at a fixed rate, three interleaved rounds (about 2 minutes). PGBENCH_CHECK_ARGS
# passes options (--workers, --seconds, --rate, --option url=...).
PGBENCH_CHECK_ARGS ?=
pgbench-check: build
	.build/release/surgebench pgbench-check $(PGBENCH_CHECK_ARGS)

# The honesty test of the redis-cluster backend's client: the same Redis Function calls (a send to one chat, a page of
# its history) through SurgeBench and through redis-benchmark (-P 1) on one throwaway cluster, closed loop, three
# interleaved rounds (about a minute). REDIS_BENCHMARK_CHECK_ARGS passes options (--workers, --requests, --rounds).
REDIS_BENCHMARK_CHECK_ARGS ?=
redis-benchmark-check: build
	.build/release/surgebench redis-benchmark-check $(REDIS_BENCHMARK_CHECK_ARGS)

# Group commit against a reference loop written directly against SQLite's and LMDB's C libraries with the backends'
# own statements and keys, committing as many sends per transaction and sync as SurgeBench's groups held
# (Benchmarks/group-commit/ratio.sh; RUNS=3 interleaved rounds, about 2 minutes; the published table is
# results/group-commit.md).
group-commit-ratio: build
	Benchmarks/group-commit/ratio.sh

# Publishes the cost-growth curve (37 minutes on this machine; one store at a time, lmdb's 10M needs about 8 GB of disk).
publish-growth: build
	rm -rf $(PUBLISHED_GROWTH)
	.build/release/surgebench grow $(GROW_ARGS) --out $(PUBLISHED_GROWTH)
	$(MAKE) report

durability: build
	rm -rf $(DURABILITY_OUT)
	@cells="$(DURABILITY_CELLS)"; [ -n "$$cells" ] || cells=$$($(SURGEBENCH) backends --durability-cells); \
	for cell in $$cells; do \
		set -- $$(echo $$cell | tr : ' '); \
		echo "== $$1 durability=$$2, $$3 crashes x $$4"; \
		crashes=$(DURABILITY_CRASHES); $(SURGEBENCH) crash --backend $$1 --option durability=$$2 --kind $$(echo $$3 | sed "s,/, --power-model ,") --crashes $${crashes:-$$4} $(DURABILITY_ARGS) \
			--out $(DURABILITY_OUT)/$$1-$$2-$$(echo $$3 | tr / -) || exit 1; \
	done
	$(MAKE) durability-report

# The durability matrix of the registered drivers, crashed by the same tests, into results/durability-drivers/.
durability-drivers: build
	$(MAKE) durability DURABILITY_TARGET=durability-drivers DURABILITY_OUT=$(DRIVER_DURABILITY_OUT) DURABILITY_CELLS="$$($(SURGEBENCH) backends --durability-cells --drivers | tr '\n' ' ')"

# Regenerates results/durability/README.md (and its report.html) from the cells there.
durability-report: build
	$(SURGEBENCH) report $(DURABILITY_OUT)/*/ --markdown $(DURABILITY_OUT)/matrix.md --html $(DURABILITY_OUT)/report.html
	{ printf '%s\n\n%s\n%s\n%s\n\n' '# Durability under crashes' \
	  'Regenerated with `make $(DURABILITY_TARGET)` (see docs/crash-testing.md for the model and its limits). Each cell is' \
	  'one store crashed again and again in the surge of docs/crash-surge.yaml, reopened after every crash and checked' \
	  'against every write it acknowledged; its folder holds crash.json (every crash) and crash.md.'; \
	  cat $(DURABILITY_OUT)/matrix.md; } > $(DURABILITY_OUT)/README.md
	rm $(DURABILITY_OUT)/matrix.md

# Publishes the server runs, the servers' capacity searches, the pgbench check and the redis-benchmark check in results/ (34
# minutes measured), then regenerates the tables.
publish-servers: build
	rm -rf $(PUBLISHED_SERVER_RUNS)
	$(MAKE) bench-servers SERVER_OUT=results/servers SERVER_BENCH_ARGS="$(SERVER_BENCH_ARGS) --plain-progress"
	$(MAKE) publish-server-capacity

# The servers' capacity searches and the two client checks (the second half of publish-servers).
publish-server-capacity: build
	rm -rf $(PUBLISHED_SERVER_CAPACITY)
	for class in $(SERVER_CAPACITY_CLASSES); do for backend in $$(.build/release/surgebench backends --names servers | tr , ' '); do \
		.build/release/surgebench capacity --backend $$backend --durability $$class --slo 'p99<=20ms' \
			--out results/server-capacity-$$backend-$$class || exit 1; \
	done; done
	.build/release/surgebench pgbench-check --out results/pgbench-check.md
	.build/release/surgebench redis-benchmark-check --out results/redis-benchmark-check.md
	$(MAKE) report

ci-compare: build
	.ci/compare

# The trials' runs stay in .build/ci-power (a finished trial is kept: the target goes on where it stopped); the
# comparisons and the power table are published.
ci-power: build
	POWER_ARMS="$(CI_POWER_ARMS)" POWER_OUT=.build/ci-power .ci/power $(CI_POWER_TRIALS)
	rm -rf results/ci-power && mkdir -p results/ci-power/comparisons
	for f in .build/ci-power/t*/*-comparison.json; do t=$${f#.build/ci-power/}; cp "$$f" "results/ci-power/comparisons/$${t%%/*}-$${t#*/}"; done
	cp .build/ci-power/power.md results/ci-power/README.md

# Names this commit as the base of the CI comparison, after a deliberate change of speed, the ci scenario, the
# generator or the results format; commit results/ci-base afterwards.
ci-baseline:
	@if [ -n "$$(git status --porcelain --untracked-files=no)" ]; then echo "Commit your changes first: the base must be a commit"; exit 1; fi
	git rev-parse HEAD > results/ci-base
	@echo "results/ci-base now names $$(cat results/ci-base); commit it (git commit results/ci-base -m 'CI base')"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel  # timing-sensitive tests (known answers) must not share the 2 cores
	$(MAKE) fuzz-smoke
	$(MAKE) manifest-check

# The Kubernetes manifests under docs/: every object against the Kubernetes schema, offline, and every surgebench
# command line in them against this build's options (Tests/Manifests/check_manifests.py; part of `make test`).
manifest-check: build $(PYTHON_VENV)/bin/kubernetes-validate
	$(PYTHON_VENV)/bin/python Tests/Manifests/check_manifests.py $(SURGEBENCH) docs

# The container image (docs/kubernetes.md), built from docs/kubernetes/Containerfile by whichever of podman, docker or
# buildah is installed; CONTAINER_TOOL names another, with its global options (here: "podman --storage-driver vfs"),
# IMAGE_BUILD_FLAGS adds build options (here: --isolation chroot, as crun cannot run a build's RUN steps on this machine).
# IMAGE_TARGET: shard (surgebench and the C libraries it loads) or servers (plus PostgreSQL 15 and Redis).
# IMAGE_BINARY: source (compiled in the official Swift image) or host (built on this Debian 12 machine with the Swift
# runtime linked in, for machines that cannot pull the Swift image). IMAGE_BASE: the Debian 12 image it runs on.
IMAGE ?= localhost/surgebench:latest
IMAGE_TARGET ?= shard
IMAGE_BINARY ?= source
IMAGE_BASE ?= docker.io/library/debian:bookworm-slim
IMAGE_BUILD_FLAGS ?=
CONTAINER_TOOL ?= $(firstword $(foreach tool,podman docker buildah,$(if $(shell command -v $(tool)),$(tool))))
IMAGE_DIR := .build-image

image:
	@[ -n "$(CONTAINER_TOOL)" ] || { echo "make image needs Podman, Docker or Buildah: install one (apt-get install -y podman), or name it with CONTAINER_TOOL=..."; exit 1; }
	rm -rf $(IMAGE_DIR)/context && mkdir -p $(IMAGE_DIR)/context/bin
	@case "$(IMAGE_BINARY)" in \
	  source) tar -c --exclude='.build*' Package.swift Sources Tests | tar -x -C $(IMAGE_DIR)/context ;; \
	  host) $(MAKE) system-deps && $(SWIFT) build -c release --static-swift-stdlib --scratch-path $(IMAGE_DIR)/swift --product surgebench \
	    && cp $(IMAGE_DIR)/swift/release/surgebench $(IMAGE_DIR)/context/bin/ && tar -c Sources/CPowerCut | tar -x -C $(IMAGE_DIR)/context ;; \
	  *) echo "IMAGE_BINARY must be source or host, not '$(IMAGE_BINARY)'"; exit 1 ;; \
	esac
	$(CONTAINER_TOOL) build $(IMAGE_BUILD_FLAGS) --file docs/kubernetes/Containerfile --target $(IMAGE_TARGET) \
		--build-arg BINARY=$(IMAGE_BINARY) --build-arg BASE_IMAGE=$(IMAGE_BASE) --tag $(IMAGE) \
		--build-arg SURGEBENCH_COMMIT=$$(git rev-parse HEAD 2>/dev/null || echo unknown)$$(git status --porcelain --untracked-files=no -- . ':(exclude)results' 2>/dev/null | grep -q . && echo +dirty) \
		$(IMAGE_DIR)/context
	$(CONTAINER_TOOL) images $(IMAGE)

# A Debian 12 base image made from Debian's packages (debootstrap), for machines that cannot pull one:
# make image-debian-base, then make image IMAGE_BASE=localhost/debian:bookworm-minbase.
image-debian-base:
	@command -v debootstrap >/dev/null || { echo "image-debian-base needs debootstrap: apt-get install -y debootstrap"; exit 1; }
	rm -rf $(IMAGE_DIR)/debian && mkdir -p $(IMAGE_DIR)/debian
	debootstrap --variant=minbase bookworm $(CURDIR)/$(IMAGE_DIR)/debian http://deb.debian.org/debian
	rm -rf $(IMAGE_DIR)/debian/var/cache/apt/archives/*.deb $(IMAGE_DIR)/debian/var/lib/apt/lists/*
	tar -C $(IMAGE_DIR)/debian -c . | $(CONTAINER_TOOL) import - localhost/debian:bookworm-minbase
	rm -rf $(IMAGE_DIR)/debian

# The built image's file system, exported into $(IMAGE_DIR)/rootfs, for machines where the container tool cannot start
# containers (crun cannot start one on this machine): image-smoke and image-jobs-check enter it with chroot.
# The image's environment (ENV) goes to $(IMAGE_DIR)/rootfs.env, one VARIABLE=value a line, as a container would get it.
image-rootfs:
	rm -rf $(IMAGE_DIR)/rootfs && mkdir -p $(IMAGE_DIR)/rootfs
	container=$$($(CONTAINER_TOOL) create $(IMAGE)) && { $(CONTAINER_TOOL) export $$container | tar -x -C $(IMAGE_DIR)/rootfs; \
		status=$$?; $(CONTAINER_TOOL) rm $$container > /dev/null; exit $$status; }
	$(CONTAINER_TOOL) image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' $(IMAGE) | grep = > $(IMAGE_DIR)/rootfs.env

# Replays smoke with the surgebench inside the built image, on its own file system (results in
# $(IMAGE_DIR)/rootfs/results/smoke).
image-smoke: image-rootfs
	unshare --mount --fork sh -c 'mount -t proc proc $(IMAGE_DIR)/rootfs/proc && mount --rbind /dev $(IMAGE_DIR)/rootfs/dev \
		&& exec env -i HOME=/root $$(cat $(IMAGE_DIR)/rootfs.env) chroot $(IMAGE_DIR)/rootfs /bin/sh -c "cd /results && surgebench run --scenario smoke --plain-progress --out smoke"'

# Runs the pods of docs/kubernetes inside the built image's file system as Kubernetes would (every shard and the merge
# at once, each in its own namespaces; smoke on embedded stores instead of the manifest's workload and server) and
# checks the merged folder and report (Tests/Manifests/simulate_jobs.py).
image-jobs-check: image-rootfs
	$(PYTHON_VENV)/bin/python Tests/Manifests/simulate_jobs.py $(IMAGE_DIR)/rootfs $(IMAGE_DIR)/rootfs.env docs

# Micro-benchmarks (package-benchmark, in their own package under Benchmarks/): every store operation of every
# embedded backend, and the harness's own per-operation cost. `microbench-check` compares a run with the thresholds
# committed in Benchmarks/Thresholds (p90, with the tolerances set in each benchmark); `microbench-thresholds`
# re-records them as the largest p90 of MICROBENCH_THRESHOLD_RUNS runs (one run's wall clock fails the next by chance
# on this shared machine; about 3 minutes a run).
microbench: system-deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

microbench-check: system-deps
	cd Benchmarks && $(SWIFT) package benchmark thresholds check

MICROBENCH_THRESHOLD_RUNS ?= 3
microbench-thresholds: system-deps
	cd Benchmarks && rm -rf Thresholds .threshold-runs && for run in $$(seq $(MICROBENCH_THRESHOLD_RUNS)); do \
		$(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update || exit 1; \
		mkdir -p .threshold-runs/$$run && mv Thresholds/* .threshold-runs/$$run/ || exit 1; \
	done && ./largest-thresholds.py Thresholds .threshold-runs/* && rm -rf .threshold-runs

# Every published run is repeated PUBLISH_REPEAT times, backends interleaved, and its tables give medians with the
# range over the repetitions. Every table is one durability class: outage-2021 in class power with a sync per write and
# with group commit (make bench's two tables) and in class process, the other scenarios in class power. A capacity
# search runs once per backend and class of PUBLISHED_CLASSES (its answer is confirmed by a second trial at that rate).
PUBLISH_REPEAT ?= 3
publish: build
	rm -rf $(PUBLISHED_RUNS) $(PUBLISHED_CAPACITY)
	.build/release/surgebench run --plain-progress --repeat $(PUBLISH_REPEAT) $(BENCH_ARGS) --out results/outage-2021
	.build/release/surgebench run --plain-progress --repeat $(PUBLISH_REPEAT) $(BENCH_ARGS) --option commit=group \
		--backends $$(.build/release/surgebench backends --names persistent) --out results/outage-2021-group
	.build/release/surgebench run --plain-progress --repeat $(PUBLISH_REPEAT) $(BENCH_ARGS) --durability process --out results/outage-2021-process
	.build/release/surgebench run --plain-progress --repeat $(PUBLISH_REPEAT) --scenario signal-2021 --scale 4 --duration 20s --out results/signal-2021
	.build/release/surgebench run --plain-progress --repeat $(PUBLISH_REPEAT) --scenario steady --scale 8 --duration 20s --out results/steady
	.build/release/surgebench run --plain-progress --repeat $(PUBLISH_REPEAT) --scenario smoke --out results/smoke
	for class in $(PUBLISHED_CLASSES); do for backend in $$(.build/release/surgebench backends --names persistent | tr , ' '); do \
		.build/release/surgebench capacity --backend $$backend --durability $$class --slo 'p99<=20ms' \
			--out results/capacity-$$backend-$$class || exit 1; \
	done; done
	$(MAKE) report

# The fuzz targets (Tests/Fuzz/fuzz.sh): the scenario loader, the trace reader and replay, and the results readers,
# FUZZ_SECONDS each (default 600); corpora and findings in .build-fuzz/.
fuzz: build
	Tests/Fuzz/fuzz.sh

# Each fuzz target for a few seconds (part of `make test`; the first build of the targets took 1.7-2.6 minutes here).
fuzz-smoke: build
	FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-5} Tests/Fuzz/fuzz.sh

# Regenerates results/README.md and results/report.html from the published folders.
report: build
	.build/release/surgebench report $(PUBLISHED_RUNS) $(wildcard results/scale-out/merged) $(wildcard $(PUBLISHED_SERVER_RUNS)) $(PUBLISHED_CAPACITY) \
		$(PUBLISHED_SERVER_CAPACITY) $(wildcard $(PUBLISHED_GROWTH)) $(wildcard $(PUBLISHED_DRIVER_RUNS)) \
		$(wildcard $(DURABILITY_OUT)/*/) $(wildcard $(DRIVER_DURABILITY_OUT)/*/) \
		--markdown results/tables.md --html results/report.html
	{ printf '%s\n\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n\n' '# Published results' \
	  'Every table puts side by side stores that keep one durability promise, its **class**: `none` (nothing survives the' \
	  'process), `process` (a kill of the store process loses no acknowledged write), `power` (a power loss loses none) or' \
	  '`replica` (the loss of the machine that acknowledged loses none). Each run chose them with `--durability CLASS`: every' \
	  'backend ran its cheapest mode in the class (the row "durability / commit" names it; `surgebench backends` lists every' \
	  "mode's class), memory runs beside them as the reference, and a table whose columns differ in class says so above it." \
	  'Reference runs of every built-in scenario, each repeated 3 times (medians, with the range over the repetitions), and' \
	  'capacity searches, regenerated with `make publish` (50 minutes measured), the server runs, their capacity searches and the pgbench and redis-benchmark checks with `make publish-servers` (34 minutes measured), the' \
	  'cost-growth curve with `make publish-growth` (37 minutes), the reference drivers with `make bench-drivers`, the durability matrix with `make durability` (its own' \
	  'page: [durability/README.md](durability/README.md); the drivers'"'"' with `make durability-drivers`: [durability-drivers/README.md](durability-drivers/README.md)), or' \
	  '`make report` (tables only). Each table names the machine, commit and configuration that produced' \
	  'it. The same figures with charts: [report.html](report.html) (open it in a browser; it needs no network).' \
	  'Each folder holds results.json, summary.md, timeseries.csv and .hgrm files ([schema](../docs/results-schema.md));' \
	  '`ci-base` names the base revision of the CI comparison (`make ci-baseline`).'; \
	  cat results/tables.md; \
	  if [ -f results/group-commit.md ]; then printf '\n### Group commit against a reference loop (`make group-commit-ratio`)\n\n'; cat results/group-commit.md; fi; \
	  if [ -f results/pgbench-check.md ]; then printf '\n### postgres: SurgeBench against pgbench (`make pgbench-check`)\n\n'; cat results/pgbench-check.md; fi; \
	  if [ -f results/redis-benchmark-check.md ]; then printf '\n### redis-cluster: SurgeBench against redis-benchmark (`make redis-benchmark-check`)\n\n'; cat results/redis-benchmark-check.md; fi; \
	  if [ -f results/scale-out.md ]; then printf '\n### Beyond one machine: shards, merge and memory\n\n'; cat results/scale-out.md; fi; \
	  } > results/README.md
	rm results/tables.md

clean:
	rm -rf .build
