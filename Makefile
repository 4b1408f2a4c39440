# Occlum in C — top-level build.
#
#   make            build the LibOS image, the host runtime and the CLI into build/
#   make test       build everything and run every test (unit, conformance, apps)
#   make bench      run the benchmarks (ratios against native, printed, never asserted)
#
# Each part keeps its own rules in a build.mk fragment next to its sources; this file only
# sets the shared flags and pulls the fragments in.

BUILD   ?= build
CC      ?= gcc
V       ?= 0
Q        = $(if $(filter 1,$(V)),,@)

WARN     = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wvla
COMMON   = -std=gnu11 -O2 -g $(WARN) -Iinclude -MMD -MP

.PHONY: all test bench clean format demo
all:

include src/libos/build.mk
include src/host/build.mk
include src/cli/build.mk
include test/build.mk
include bench/build.mk

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

demo: all
	bash demo/run.sh
