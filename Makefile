# The two commands of the README:
#   make demo   builds ScaleLab and runs its main job
#   make test   runs the whole test suite
# Each installs the system packages it needs first (scripts/ensure-deps.sh).

SWIFT ?= swift

.PHONY: deps demo test build bench

deps:
	@bash scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product scalelab

demo: build
	$(SWIFT) run -c release --skip-build scalelab demo

test: deps
	$(SWIFT) test
