# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Debian packages: OCR engine with Spanish and orientation data, poppler for PDFs, a font for test pages.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-spa tesseract-ocr-osd poppler-utils fonts-dejavu-core
# Only the tests need these: throwaway PostgreSQL and Redis servers, and Debian's chromium for the browser tests.
TEST_PACKAGES := redis-server postgresql chromium
# Only the benchmarks: OCRmyPDF's --clean runs unpaper, its PDF handling needs ghostscript; more fonts for letters.
BENCH_PACKAGES := unpaper ghostscript fonts-liberation fonts-freefont-ttf

.PHONY: run test bench system deps model clean-venv

run: deps
	$(BIN)/peticiones serve

test: deps
	@$(MAKE) --no-print-directory system PACKAGES="$(TEST_PACKAGES)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $@

# Speed, memory and accuracy against references measured in the same run (see bench/*.py).
bench: deps
	@$(MAKE) --no-print-directory system PACKAGES="$(BENCH_PACKAGES)"
	$(BIN)/python -m pip install -q -e '.[test,postgres,bench]'
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.ocr
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.review

# Retrain the shipped classifier from the seed corpus (the result is committed in models/peticiones).
model: deps
	$(BIN)/peticiones train --data models/seed/peticiones.jsonl --out models/peticiones

clean-venv:
	rm -rf $(VENV)
