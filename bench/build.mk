# Benchmark rules: the guest programs of bench/ and the `bench` target.
#
#   $(BUILD)/bench/glibc/<name>   gcc -static-pie -fPIE     (every bench/*.c)
#   $(BUILD)/bench/musl/<name>    musl-gcc -static          (syscall_lat only; skipped when
#                                                            musl-gcc is not installed)
#
# `make bench` builds everything (`all`) and these programs, then runs bench/run.sh, which
# times each program natively and inside a scratch instance under $(BUILD)/bench/ and prints
# a table of ratios. Times are printed, never asserted: the target fails only when a program
# cannot be built or run.

BENCH_SRCS   := $(sort $(wildcard bench/*.c))
BENCH_NAMES  := $(notdir $(basename $(BENCH_SRCS)))
BENCH_DIR    := $(BUILD)/bench
BENCH_MUSLCC ?= $(or $(MUSL_CC),musl-gcc)
BENCH_HAVE_MUSL := $(if $(shell command -v $(BENCH_MUSLCC) 2>/dev/null),1,)
BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN)

BENCH_BINS := $(addprefix $(BENCH_DIR)/glibc/,$(BENCH_NAMES))
ifeq ($(BENCH_HAVE_MUSL),1)
BENCH_BINS += $(BENCH_DIR)/musl/syscall_lat
endif

$(BENCH_DIR)/glibc/%: bench/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(BENCH_CFLAGS) -static-pie -fPIE -o $@ $<

$(BENCH_DIR)/musl/%: bench/%.c
	@mkdir -p $(dir $@)
	$(Q)$(BENCH_MUSLCC) $(BENCH_CFLAGS) -static -o $@ $<

.PHONY: bench-bins
bench-bins: $(BENCH_BINS)

bench: all $(BENCH_BINS)
	$(Q)BUILD=$(BUILD) BENCH_BUILT=1 bash bench/run.sh
