# The two commands of the README:
#   make demo   builds ScaleLab and runs its main job
#   make test   runs the whole test suite
# Each installs the system packages it needs first (scripts/ensure-deps.sh).

SWIFT ?= swift
# Release builds are for this machine's CPU (AVX2/FMA where present): the fitter's vector kernel
# and the trainer's kernels run about 1.5× faster than with the baseline x86-64 target.
RELEASE = -c release -Xswiftc -target-cpu -Xswiftc native

.PHONY: deps demo test build bench-fit

deps:
	@bash scripts/ensure-deps.sh

build: deps
	$(SWIFT) build $(RELEASE) --product scalelab

demo: build
	"$$($(SWIFT) build $(RELEASE) --show-bin-path)/scalelab" demo

# Benchmarks (not part of the tests): see benchmarks/*/README.md.
bench-fit: build
	bash benchmarks/fit/run.sh

test: deps
	$(SWIFT) test
