# virt.esx developer entry points. `make demo` and `make test` do every set-up step themselves
# on a fresh Debian machine with Python 3.11 (root, or sudo, is needed once for apt-get).

PYTHON       ?= python3
VENV         := .venv
TOOLS_VENV   := .venv-tools
VPY          := $(VENV)/bin/python
BUILD        := build
COLLECTION   := $(BUILD)/ansible_collections/virt/esx
SIMULATOR    := tests/simulator/vcsim-virt-esx
PYVER        := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ANSIBLE_TEST := $(abspath $(VENV))/bin/ansible-test
export PATH  := $(abspath $(VENV))/bin:$(PATH)

.PHONY: all demo test sanity units integration oracle galaxy lint ee docs compat collection simulator deps venv tools clean

all: test

$(VENV)/.installed: requirements.txt tests/requirements.txt tests/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -c tests/constraints.txt -r requirements.txt -r tests/requirements.txt
	touch $@

venv: $(VENV)/.installed

# The older ansible-core releases the collection declares (requirements.txt, meta/runtime.yml): each in a venv of
# its own (.venv-core-2.X), for sanity (the oldest) and units (each).
CORE_VERSIONS := 2.16 2.17 2.18
$(VENV)-core-%/.installed: requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)-core-$*
	$(VENV)-core-$*/bin/python -m pip install -q --upgrade pip
	$(VENV)-core-$*/bin/python -m pip install -q "ansible-core==$*.*" -r tests/requirements.txt \
	    $$(grep -v '^ansible-core' requirements.txt | grep -v '^#')
	touch $@

# The oldest declared ansible-core runs sanity and units; the ones between it and the newest run units.
compat: collection $(foreach v,$(CORE_VERSIONS),$(VENV)-core-$(v)/.installed)
	@for version in $(CORE_VERSIONS); do \
	    core=$(abspath $(VENV))-core-$$version; \
	    tests/prepare-ansible-test.sh $$core/bin/python; \
	    if [ $$version = $(firstword $(CORE_VERSIONS)) ]; then \
	        (cd $(COLLECTION) && PATH=$$core/bin:$$PATH ansible-test sanity --color no --python $(PYVER) --venv) || exit 1; \
	    fi; \
	    (cd $(COLLECTION) && PATH=$$core/bin:$$PATH ansible-test units --color no --python $(PYVER) --venv --requirements) || exit 1; \
	    echo "compat: ansible-core $$($$core/bin/python -c 'import ansible; print(ansible.__version__)') passed"; \
	done

# ansible-lint, ansible-builder and antsibull in a venv of their own: their dependencies never change what the
# collection itself is tested with.
$(TOOLS_VENV)/.installed: tests/tools-requirements.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install -q --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install -q -r tests/tools-requirements.txt
	touch $@

tools: $(TOOLS_VENV)/.installed

deps:
	@tests/install-system-deps.sh

simulator: deps
	@tests/simulator/build.sh

# ansible-test wants the collection at ansible_collections/virt/esx: a real copy, no symlink.
collection:
	@rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	@tar -cf - --exclude=./.git --exclude=./$(VENV) --exclude=./$(TOOLS_VENV) --exclude=./.ansible --exclude=./$(BUILD) --exclude=./tests/output \
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

integration: venv simulator collection oracle
	$(VPY) tests/simulator/smoke.py
	$(VPY) tests/simulator/smoke_vms.py
	@tests/integration/run.sh $(COLLECTION)

# libvirt 9.0.0's virsh against the collection's converters on the same inputs (docs/vmx-mapping.md).
oracle: venv simulator collection
	PYTHONPATH=$(abspath $(BUILD)) $(VPY) -m pytest -q -p no:cacheprovider tests/oracle

# ansible-lint's production profile (what Automation Hub applies on import) over the collection copy. The
# integration targets' playbooks import the role setup_endpoints from the targets folder, as ansible-test does.
lint: tools collection
	cd $(COLLECTION) && PATH=$(abspath $(TOOLS_VENV))/bin:$$PATH ANSIBLE_ROLES_PATH=$(abspath $(COLLECTION))/tests/integration/targets \
	    ansible-lint --profile production --nocolor

# The execution-environment declaration as ansible-builder reads it (no container runtime needed).
ee: venv tools
	@VIRT_ESX_VENV=$(abspath $(VENV)) VIRT_ESX_TOOLS_VENV=$(abspath $(TOOLS_VENV)) tests/ee-check.sh

# The docs site as docs.ansible.com renders a collection (antsibull-docs + Sphinx), linted, built with warnings as
# errors, then opened in headless Chromium (screenshots in tests/output/docs).
docs: tools collection
	@tests/install-system-deps.sh docs
	@VIRT_ESX_TOOLS_VENV=$(abspath $(TOOLS_VENV)) tests/docs-build.sh $(BUILD) $(BUILD)/docsite
	@$(PYTHON) tests/docs-check.py $(BUILD)/docsite/build/html tests/output/docs

# The release path: ansible-galaxy collection build + install, then the demo from the installed copy.
galaxy: venv simulator
	@tests/galaxy-install.sh

test: sanity units integration galaxy lint ee docs compat
	@echo "make test: sanity, units, integration, the galaxy build/install/demo, ansible-lint, the EE check, the docs site and ansible-core $(CORE_VERSIONS) passed"

clean:
	rm -rf $(BUILD) tests/output
