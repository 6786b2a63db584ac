# SurgeBench: `make test` runs the test suite, `make bench` the main benchmark.
# Both install the C libraries they need first (apt-get as root; otherwise they print the command to run).

SWIFT ?= swift
APT_PACKAGES := pkg-config libsqlite3-dev liblmdb-dev sqlite3

# The main job: outage-2021 against memory, sqlite and lmdb. Scale 8 puts the surge's peak (about 5,400 offered
# operations/s) past lmdb's knee with its default durability=sync on this 2-core machine, while sqlite
# (synchronous=NORMAL) bends and memory does not; 30 s of schedule keeps the whole job near two minutes.
BENCH_ARGS ?= --scenario outage-2021 --scale 8 --duration 30s --backends memory,sqlite,lmdb

# The CI comparison: a short run of every embedded backend, 3 interleaved repetitions, compared with the baseline
# committed in results/ci-baseline. It fails on lost writes, errors, invalid runs, and on regressions whose 95%
# interval clears 4x the normal tolerances (a p99 at least twice as slow, say): sure regressions, not noise.
CI_RUN_ARGS := --scenario smoke --repeat 3 --backends memory,sqlite,lmdb --plain-progress
CI_TOLERANCE_SCALE := 4

# The published tables in results/: a reference run of every built-in scenario and a capacity search for each
# persistent backend on this machine kind, then results/README.md and results/report.html generated from them.
PUBLISHED_RUNS := results/outage-2021 results/signal-2021 results/steady results/smoke
PUBLISHED_CAPACITY := results/capacity-sqlite results/capacity-lmdb

.PHONY: publish report deps build test bench ci-compare ci-baseline microbench microbench-check microbench-thresholds clean

deps:
	@if pkg-config --exists sqlite3 lmdb && command -v sqlite3 >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(APT_PACKAGES) ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	else \
		echo "SurgeBench needs the SQLite and LMDB C libraries. Install them with:"; \
		echo "    sudo apt-get install -y $(APT_PACKAGES)"; \
		exit 1; \
	fi

build: deps
	$(SWIFT) build -c release

bench: build
	.build/release/surgebench run $(BENCH_ARGS)

ci-compare: build
	rm -rf .build/ci-candidate
	.build/release/surgebench run $(CI_RUN_ARGS) --out .build/ci-candidate > .build/ci-candidate.log 2>&1 || (tail -40 .build/ci-candidate.log; exit 1)
	.build/release/surgebench compare results/ci-baseline .build/ci-candidate --tolerance-scale $(CI_TOLERANCE_SCALE) \
		--markdown .build/ci-comparison.md; status=$$?; \
	if [ $$status -eq 3 ] || [ $$status -eq 1 ] || [ $$status -eq 64 ]; then echo "CI comparison failed (exit $$status)"; exit 1; fi

# Re-record the CI baseline (after a deliberate change to the smoke scenario, the generator or a backend).
ci-baseline: build
	rm -rf results/ci-baseline
	.build/release/surgebench run $(CI_RUN_ARGS) --out results/ci-baseline

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel  # timing-sensitive tests (known answers) must not share the 2 cores

# Micro-benchmarks (package-benchmark, in their own package under Benchmarks/): every store operation of every
# embedded backend, and the harness's own per-operation cost. `microbench-check` compares a run with the thresholds
# committed in Benchmarks/Thresholds (p90, with the tolerances set in each benchmark); `microbench-thresholds`
# re-records them.
microbench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

microbench-check: deps
	cd Benchmarks && $(SWIFT) package benchmark thresholds check

microbench-thresholds: deps
	cd Benchmarks && rm -rf Thresholds && $(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update

publish: build
	rm -rf $(PUBLISHED_RUNS) $(PUBLISHED_CAPACITY)
	.build/release/surgebench run --plain-progress $(BENCH_ARGS) --out results/outage-2021
	.build/release/surgebench run --plain-progress --scenario signal-2021 --scale 4 --duration 30s --out results/signal-2021
	.build/release/surgebench run --plain-progress --scenario steady --scale 8 --duration 30s --out results/steady
	.build/release/surgebench run --plain-progress --scenario smoke --out results/smoke
	.build/release/surgebench capacity --backend sqlite --slo 'p99<=20ms' --out results/capacity-sqlite
	.build/release/surgebench capacity --backend lmdb --slo 'p99<=20ms' --out results/capacity-lmdb
	$(MAKE) report

# Regenerates results/README.md and results/report.html from the published folders.
report: build
	.build/release/surgebench report $(PUBLISHED_RUNS) $(PUBLISHED_CAPACITY) --markdown results/tables.md --html results/report.html
	{ printf '%s\n\n%s\n%s\n%s\n%s\n%s\n\n' '# Published results' \
	  'Reference runs of every built-in scenario and capacity searches, regenerated with `make publish` (runs, about' \
	  '17 minutes) or `make report` (tables only). Each table names the machine, commit and configuration that produced' \
	  'it. The same figures with charts: [report.html](report.html) (open it in a browser; it needs no network).' \
	  'Each folder holds results.json, summary.md, timeseries.csv and .hgrm files ([schema](../docs/results-schema.md));' \
	  '`ci-baseline` is the baseline of the CI comparison (`make ci-baseline`).'; \
	  cat results/tables.md; } > results/README.md
	rm results/tables.md

clean:
	rm -rf .build
