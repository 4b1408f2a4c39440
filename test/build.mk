# Test rules: conformance programs (three builds each), host-built unit tests (plain and
# ASan/UBSan), and the `test` target that builds everything and runs test/run_tests.sh.
#
# Conformance: every test/conformance/<name>.c becomes
#   $(BUILD)/test/conformance/glibc-pie/<name>     gcc -static-pie -fPIE
#   $(BUILD)/test/conformance/glibc-nopie/<name>   gcc -static -no-pie
#   $(BUILD)/test/conformance/musl/<name>          musl-gcc -static
# How each is run (arguments, expected exit status, output comparison) is listed in
# test/conformance/tests.list.
#
# Unit tests: each test/unit/*.mk fragment adds
#   UNIT_TESTS += <name>
#   <name>_SRCS := <files>          (.c, compiled together with -Isrc/libos)
#   <name>_CFLAGS := <extra flags>  (optional)
# and gets $(BUILD)/test/unit/<name> and $(BUILD)/test/unit/<name>-asan.

# --- conformance -------------------------------------------------------------------------------

CONF_SRCS     := $(sort $(wildcard test/conformance/*.c))
CONF_NAMES    := $(notdir $(basename $(CONF_SRCS)))
CONF_VARIANTS := glibc-pie glibc-nopie musl
CONF_DIR      := $(BUILD)/test/conformance
CONF_BINS     := $(foreach v,$(CONF_VARIANTS),$(addprefix $(CONF_DIR)/$(v)/,$(CONF_NAMES)))
MUSL_CC       ?= musl-gcc

# No stack protector: tls.c runs code while %fs points at its own block, where the canary
# slot holds whatever the test put there.
CONF_CFLAGS   := -std=gnu11 -O1 -g $(WARN) -fno-stack-protector

$(CONF_DIR)/glibc-pie/%: test/conformance/%.c test/conformance/check.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CONF_CFLAGS) -static-pie -fPIE -o $@ $<

$(CONF_DIR)/glibc-nopie/%: test/conformance/%.c test/conformance/check.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CONF_CFLAGS) -static -no-pie -fno-PIE -o $@ $<

$(CONF_DIR)/musl/%: test/conformance/%.c test/conformance/check.h
	@mkdir -p $(dir $@)
	$(Q)$(MUSL_CC) $(CONF_CFLAGS) -static -o $@ $<

.PHONY: conformance
conformance: $(CONF_BINS)

# --- unit tests --------------------------------------------------------------------------------

UNIT_TESTS :=
include $(wildcard test/unit/*.mk)

UNIT_DIR        := $(BUILD)/test/unit
UNIT_CFLAGS     := $(COMMON) -Isrc/libos -O1
UNIT_ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# $(1) = test name, $(2) = output suffix ("" or "-asan"), $(3) = extra flags.
# Each source compiles to its own object so that -MMD gives header dependencies per source.
define UNIT_RULES
$(1)$(2)_OBJS := $$(patsubst %,$(UNIT_DIR)/obj/$(1)$(2)/%.o,$$($(1)_SRCS))
$(UNIT_DIR)/obj/$(1)$(2)/%.c.o: %.c
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(UNIT_CFLAGS) $(3) $$($(1)_CFLAGS) -c $$< -o $$@
$(UNIT_DIR)/$(1)$(2): $$($(1)$(2)_OBJS)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(UNIT_CFLAGS) $(3) $$($(1)_CFLAGS) -o $$@ $$^
endef

$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULES,$(t),,)))
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULES,$(t),-asan,$(UNIT_ASAN_FLAGS))))

UNIT_BINS := $(foreach t,$(UNIT_TESTS),$(UNIT_DIR)/$(t) $(UNIT_DIR)/$(t)-asan)

.PHONY: unit
unit: $(UNIT_BINS)

# --- make test ---------------------------------------------------------------------------------

test: all $(CONF_BINS) $(UNIT_BINS)
	$(Q)BUILD=$(BUILD) UNIT_TESTS="$(UNIT_TESTS)" CONF_VARIANTS="$(CONF_VARIANTS)" \
	    bash test/run_tests.sh
