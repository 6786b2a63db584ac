# SurgeBench: `make test` runs the test suite, `make bench` the main benchmark.
# Both install the C libraries they need first (apt-get as root; otherwise they print the command to run).

SWIFT ?= swift
APT_PACKAGES := pkg-config libsqlite3-dev liblmdb-dev sqlite3

.PHONY: deps build test bench clean

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

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
