# nianbao — make help lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/nianbao.db
DEMO_PORT ?= 8100
PORT ?= 8001

.DEFAULT_GOAL := help
.PHONY: help install run demo-portal crawl-demo build serve test test-faults test-slow lint bench bench-build bench-search clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/nianbao: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	touch $(BIN)/nianbao

install: $(BIN)/nianbao ## Create .venv/ with the nianbao command, test tools and demo generators

run: install ## Serve the demo portal, crawl it, build, and serve Datasette on http://127.0.0.1:8001
	@mkdir -p data && rm -f data/demo-sites.yml
	@$(BIN)/nianbao demo-portal --port $(DEMO_PORT) --write-sites data/demo-sites.yml & \
	  pid=$$!; trap "kill $$pid 2>/dev/null" EXIT INT TERM; \
	  for i in $$(seq 50); do test -s data/demo-sites.yml && break; sleep 0.2; done; \
	  $(BIN)/nianbao crawl --sites data/demo-sites.yml --db $(DB) && \
	  $(BIN)/nianbao build --db $(DB) && \
	  $(BIN)/nianbao serve --db $(DB) --port $(PORT)

demo-portal: install ## Serve the checkout's demo portals on 127.0.0.1:8100 and up
	$(BIN)/nianbao demo-portal --port $(DEMO_PORT) --write-sites data/demo-sites.yml

build: install ## Re-parse every stored capture into reports (no network)
	$(BIN)/nianbao build --db $(DB)

serve: install ## Serve an existing archive with Datasette
	$(BIN)/nianbao serve --db $(DB) --port $(PORT)

test: install ## Run the test suite (what CI runs)
	$(BIN)/python -m pytest -q

test-faults: install ## The fault suite alone: one crawl of 72 hostile cases (also in make test)
	$(BIN)/python -m pytest -q tests/test_e2e_crawl_faults.py tests/test_e2e_crawl_guard.py

test-slow: install ## Run the slow and scale tests too
	$(BIN)/python -m pytest -q -m ''

lint: install ## ruff and mypy
	$(BIN)/ruff check archive crawler demo tests bench tools
	$(BIN)/mypy archive crawler demo tools

bench: install ## Crawl, parse, attachment and no-change nightly figures, beside scrapy bench, lxml, pdftotext
	$(BIN)/python bench/bench_crawl.py --reports 20000 --skip-demo
	$(BIN)/python bench/bench_crawl.py --reports 2000
	$(BIN)/python bench/bench_attachments.py
	$(BIN)/python bench/bench_nightly.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_wide_page.py

bench-build: install ## nianbao build and a no-change derive on 20,000 generated report pages, extrapolated to 100,000
	$(BIN)/python bench/bench_build.py --reports 20000

bench-search: install ## Chinese search on a 100,000-report synthetic archive (takes a while)
	$(BIN)/python bench/bench_search.py

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache
