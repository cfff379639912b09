# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Debian packages: OCR engine with Spanish and orientation data, poppler for PDFs, a font for test pages.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-spa tesseract-ocr-osd poppler-utils fonts-dejavu-core
# Only the tests need these: throwaway PostgreSQL and Redis servers, and Debian's chromium for the browser tests.
TEST_PACKAGES := redis-server postgresql chromium dovecot-imapd
# Only the benchmarks: OCRmyPDF's --clean runs unpaper, its PDF handling needs ghostscript; more fonts for letters.
BENCH_PACKAGES := unpaper ghostscript fonts-liberation fonts-freefont-ttf

.PHONY: run test bench system deps model lock clean-venv

run: deps
	$(BIN)/peticiones serve

# One pytest worker per core (pytest-xdist): the suite is CPU-bound, one core busy at a time when run serially (20 min
# of 22 on 2 cores). Workers take tests as they free up (worksteal), so the long end-to-end tests do not queue behind
# each other; at most 8, each loads the models and may start its own PostgreSQL. `make test TEST_WORKERS=0` runs it in
# one process.
TEST_WORKERS ?= auto
test: deps
	@$(MAKE) --no-print-directory system PACKAGES="$(TEST_PACKAGES)"
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 8 --dist worksteal $(PYTEST_ARGS)

deps: system $(INSTALLED)

PACKAGES ?= $(SYSTEM_PACKAGES)
system:
	@missing=""; \
	for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then echo "Faltan paquetes del sistema:$$missing (instálelos a mano)"; exit 1; fi; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "Instalando paquetes del sistema:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The exact versions the tests passed with (requirements.lock, hashes checked), then peticiones itself on top.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q -e . --no-deps
	@# A dependency added to pyproject.toml but not yet locked stops here, named: run `make lock`.
	@$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; echo "requirements.lock no cubre pyproject.toml: ejecute make lock"; exit 1; }
	touch $@

# Rewrite requirements.lock from pyproject.toml (main dependencies, test and postgres extras) with hashes: pins that
# pyproject still allows are kept; `make lock UPGRADE=1` moves every package to its newest allowed version. Run
# `make test` before committing the new lock. pip-tools gets its own venv, never .venv's packages.
LOCK_TOOLS := $(VENV)/lock-tools
lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install -q pip-tools; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile -q $(if $(UPGRADE),--upgrade) --generate-hashes \
	  --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --extra test --extra postgres \
	  -o requirements.lock pyproject.toml

# Speed, memory and accuracy against references measured in the same run (see bench/*.py).
bench: deps
	@$(MAKE) --no-print-directory system PACKAGES="$(BENCH_PACKAGES)"
	$(BIN)/python -m pip install -q -e '.[test,postgres,bench]'
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.ocr
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.review
	$(BIN)/python -m bench.damage

# Retrain the shipped classifier from the seed corpus (the result is committed in models/peticiones).
model: deps
	$(BIN)/peticiones train --data models/seed/peticiones.jsonl --out models/peticiones

clean-venv:
	rm -rf $(VENV)
