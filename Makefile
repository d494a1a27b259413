# Two entry points for a fresh machine with only Python 3, make and git:
#   make site   build the sample hub into site/
#   make test   run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test browser screenshots clean

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/kmgen build

# The browser tests need Debian's Chromium; install it where apt can.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and apt-get unavailable: browser tests will fail"; fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# Refresh the README's pictures of the sample hub (docs/screenshots/).
screenshots: $(STAMP) browser
	KMGEN_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_browser.py -k screenshots

clean:
	rm -rf $(VENV) site .kmgen .pytest_cache
