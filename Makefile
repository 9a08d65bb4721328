# make run   - set up, train if needed, start the assistant (prints the URL)
# make test  - set up and run every check (what .ci/run calls)
SHELL := /bin/bash
PY := .venv/bin/python
RASA := .venv/bin/rasa
MODEL := models/icp.tar.gz
# Rasa's training cache outside the project: plain `rasa test` reads every file under the root
# (scripts/setup.sh sets the same in the venv's activate script).
export RASA_CACHE_DIRECTORY ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/icp-assistant/rasa

# Everything that changes what the model learns. Retrain when any of it changes,
# and only then.
TRAIN_INPUTS := config.yml domain.yml $(shell find data domain components knowledge -type f \
	\( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: help setup run test train validate pytest story-test nlu-check bench generate clean

help:  ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup:  ## create .venv (Python 3.10), install requirements and the web widget
	@scripts/setup.sh

generate: domain/faq_labels.yml domain.yml  ## regenerate files derived from knowledge/ and domain/

domain/faq_labels.yml: $(wildcard knowledge/data/faq/*.yml) knowledge/__main__.py
	$(PY) -m knowledge export-faq-domain $@

# The one domain file plain `rasa` commands read, merged from the topic files in domain/.
domain.yml: $(wildcard domain/*.yml) domain/faq_labels.yml scripts/domain.py
	$(PY) -m scripts.domain

$(MODEL): $(TRAIN_INPUTS)
	$(PY) -m knowledge validate
	$(RASA) train --fixed-model-name icp

train: setup generate $(MODEL)  ## train the model if its inputs changed

run: train  ## set up, train if needed, start action server + Rasa + web page
	@scripts/run.sh

validate: setup generate  ## rasa data validate + knowledge validation
	$(PY) -m knowledge validate
	$(RASA) data validate

test:  ## set up and run every check: pytest, data validation, training, rasa test
	@scripts/test.sh

bench: train  ## print speed and NLU quality figures (bench/)
	$(PY) bench/parse_latency.py --model $(MODEL)

clean:  ## remove trained models, results and local conversation data
	rm -rf models results var .pytest_cache
