# virt.esx developer entry points. `make demo` and `make test` do every set-up step themselves
# on a fresh Debian machine with Python 3.11 (root, or sudo, is needed once for apt-get).

PYTHON       ?= python3
VENV         := .venv
VPY          := $(VENV)/bin/python
BUILD        := build
COLLECTION   := $(BUILD)/ansible_collections/virt/esx
SIMULATOR    := tests/simulator/vcsim-virt-esx
PYVER        := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ANSIBLE_TEST := $(abspath $(VENV))/bin/ansible-test
export PATH  := $(abspath $(VENV))/bin:$(PATH)

.PHONY: all demo test sanity units integration galaxy collection simulator deps venv clean

all: test

$(VENV)/.installed: requirements.txt tests/requirements.txt tests/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -c tests/constraints.txt -r requirements.txt -r tests/requirements.txt
	touch $@

venv: $(VENV)/.installed

deps:
	@tests/install-system-deps.sh

simulator: deps
	@tests/simulator/build.sh

# ansible-test wants the collection at ansible_collections/virt/esx: a real copy, no symlink.
collection:
	@rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	@tar -cf - --exclude=./.git --exclude=./$(VENV) --exclude=./$(BUILD) --exclude=./tests/output \
	    --exclude=__pycache__ --exclude=.pytest_cache --exclude=.hypothesis --exclude=./$(SIMULATOR) . \
	    | tar -xf - -C $(COLLECTION)
	@# Its own git repository, so ansible-test lists the copy's files rather than the parent's.
	@cd $(COLLECTION) && git init -q && git add -A

demo: venv simulator collection
	@tests/demo.sh

sanity: venv collection
	@tests/prepare-ansible-test.sh $(VPY)
	cd $(COLLECTION) && $(ANSIBLE_TEST) sanity --color no --python $(PYVER) --venv

units: venv collection
	@tests/prepare-ansible-test.sh $(VPY)
	cd $(COLLECTION) && $(ANSIBLE_TEST) units --color no --python $(PYVER) --venv --requirements

integration: venv simulator collection
	$(VPY) tests/simulator/smoke.py
	$(VPY) tests/simulator/smoke_vms.py
	@tests/integration/run.sh $(COLLECTION)

# The release path: ansible-galaxy collection build + install, then the demo from the installed copy.
galaxy: venv simulator
	@tests/galaxy-install.sh

test: sanity units integration galaxy
	@echo "make test: sanity, units, integration and the galaxy build/install/demo passed"

clean:
	rm -rf $(BUILD) tests/output
