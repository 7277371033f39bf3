# The two commands a newcomer needs (see README.md). Both set up what they need.
.PHONY: harness test serve

harness:
	@scripts/bootstrap.sh
	@.venv/bin/harness run

test:
	@scripts/bootstrap.sh
	@.venv/bin/harness test

# Start the app and the simulators and keep them running for manual exploration.
serve:
	@scripts/bootstrap.sh
	@.venv/bin/harness serve
