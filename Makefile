# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)

.PHONY: run test test-unit help setup train shell lint check-knowledge review-sheet nlu-vocabulary validate \
	evaluate-nlu lock clean run-cluster setup-cluster delete-old-conversations bench load-test profile evaluate audit \
	report conversation-to-test bench-report bench-costly-messages bench-first-answer

# Trains into models/ from the data as committed (Rasa's cache makes it seconds when nothing changed).
define train_model
	@echo "Entraînement : un nouveau modèle si les données ont changé (environ 2 min sur 2 cœurs), sinon quelques secondes..."
	@started=$$SECONDS; $(BIN)/python scripts/train.py && echo "Entraînement : fait en $$((SECONDS - started)) s."
	@# Each run packs a new model file; keep the three newest.
	@ls -t models/*.tar.gz | tail -n +4 | xargs -r rm --
endef

run: train ## Set up, train if needed, start the action server and the Rasa server
	scripts/run.sh

test: setup ## Every test (the CI command): lint, knowledge, data, conversation tests, servers, browser, cluster
	@# Without regenerating data/nlu/vocabulary.yml: a test checks the committed one matches the knowledge file.
	$(train_model)
	scripts/setup-system-packages.sh chromium postgresql redis-server nginx openssl
	scripts/test.sh

test-unit: setup ## Fast checks, no server, no training (under a minute): lint, knowledge file, unit tests
	scripts/test.sh --unit

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 26

run-cluster: train setup-cluster ## Production profile: PostgreSQL, Redis, two Rasa servers, nginx on :8080
	deploy/local-cluster.sh

setup-cluster: ## Install PostgreSQL, Redis, nginx and openssl from Debian packages when missing
	scripts/setup-system-packages.sh postgresql redis-server nginx openssl

delete-old-conversations: setup ## Delete conversations idle for RETENTION_DAYS (30); ENDPOINTS=... for another store
	source scripts/settings.sh && $(BIN)/python scripts/delete_old_conversations.py --endpoints "$$ENDPOINTS"

setup: $(VENV)/.installed ## Create .venv with the pinned dependencies and the web chat's npm packages

$(VENV)/.installed: requirements.lock .python-version scripts/setup.sh web/package-lock.json
	scripts/setup.sh
	touch $@

nlu-vocabulary: setup ## Regenerate data/nlu/vocabulary.yml from the knowledge file
	$(BIN)/python -m knowledge nlu

train: nlu-vocabulary ## Regenerate the NLU vocabulary, train a model into models/ (seconds when nothing changed)
	$(train_model)

shell: train ## Talk to the assistant in the terminal (starts the action server too)
	scripts/shell.sh

check-knowledge: setup ## Validate the knowledge file and show which facts are missing
	$(BIN)/python -m knowledge check

review-sheet: setup ## Write docs/review-sheet.md, every answer for the radiologists to validate
	$(BIN)/python -m reports.review_sheet

lint: setup ## Lint the Python code (ruff)
	$(BIN)/ruff check .

validate: setup ## Check the training data and domain (rasa data validate)
	$(BIN)/rasa data validate --fail-on-warnings

lock: ## Re-resolve requirements.txt into requirements.lock
	rm -rf $(VENV).lock && python3.10 -m venv $(VENV).lock
	$(VENV).lock/bin/pip install --quiet -r requirements.txt
	{ echo "# Exact versions installed by scripts/setup.sh (generated from requirements.txt by 'make lock')."; \
	  $(VENV).lock/bin/pip freeze --all --exclude pip; } > requirements.lock
	rm -rf $(VENV).lock

clean: ## Remove models, results and pytest's cache
	rm -rf models results .pytest_cache

bench: train ## Latency, throughput, memory and training time beside a stock `rasa init` bot (~5 min)
	$(BIN)/python bench/benchmark.py

load-test: train ## 20 patients over REST and socketio for 2 minutes (the benchmark's asyncio client)
	$(BIN)/python bench/load_test.py

profile: train ## Where the time of one message goes, and what candidate changes would save
	$(BIN)/python bench/profile_message.py

bench-first-answer: setup ## Seconds from make run on a fresh clone (empty package caches) to the first answer (~3 min)
	$(BIN)/python bench/first_answer.py

bench-costly-messages: train ## The costliest messages, and another patient's answer time while one client uses all its limits (~5 min)
	$(BIN)/python bench/costly_messages.py

evaluate: train ## Wrong-procedure answers and right outcomes on the four evaluation sets; SEEDS="1 2 3": worst of three trainings
	$(BIN)/python scripts/evaluate.py $(if $(SEEDS),--seeds $(SEEDS))

evaluate-nlu: setup nlu-vocabulary ## NLU F1 on the held-out test set, beside rasa init's default pipeline
	$(BIN)/python bench/evaluate_nlu.py

audit: ## Known vulnerabilities in requirements.lock and web/package-lock.json (tools in .venv-audit)
	scripts/audit.sh

# DAYS and ID reach the scripts through the environment (make exports command-line variables),
# so no quoting of theirs can change the command.
report: setup ## Staff report on the last DAYS (30) days of conversations (HTML); ENDPOINTS=... for another store
	source scripts/settings.sh && $(BIN)/python scripts/conversation_report.py --endpoints "$$ENDPOINTS"

conversation-to-test: setup ## Print conversation ID as a test story for tests/test_stories.yml; ENDPOINTS=... for another store
	@source scripts/settings.sh && $(BIN)/python scripts/conversation_to_test.py --endpoints "$$ENDPOINTS" --id "$$ID"

bench-report: setup ## Time make report on 10,000 synthetic conversations (target: under a minute)
	$(BIN)/python bench/report_benchmark.py
