# The two commands (see README):
#   make run    install what is needed and serve the demo on http://localhost:8000 (SQLite, gunicorn; Ctrl-C stops)
#   make test   install what is needed and run the whole test suite
.PHONY: run test bench

run:
	bash scripts/setup.sh
	.venv/bin/python run.py

test:
	bash scripts/setup.sh --dev
	bash scripts/test.sh

bench:
	bash scripts/setup.sh --dev
	.venv/bin/python bench/run_all.py
