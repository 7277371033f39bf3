# The two commands a newcomer needs (see README.md). Both set up what they need.
.PHONY: harness test serve mutation

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

# Mutation testing (docs/mutation.md): MUTATION_ARGS="--paths app_under_test/webhooks --budget 30", or
# MUTATION_ARGS="--changed-since origin/main" for the modules a branch touched. Not part of make test.
mutation:
	@scripts/bootstrap.sh
	@.venv/bin/harness mutation $(MUTATION_ARGS)
