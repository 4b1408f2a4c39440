# src/cli rules: the occlum command-line tool (untrusted, ordinary C with glibc + jansson).
# It includes only include/occlum/*.h of the shared headers, never LibOS internals.

CLI_SRCS := $(sort $(wildcard src/cli/*.c))
CLI_OBJS := $(patsubst src/%,$(BUILD)/obj/%.o,$(CLI_SRCS))
CLI_BIN  := $(BUILD)/bin/occlum

CLI_CFLAGS := $(COMMON) -Isrc/cli -fstack-protector-strong -D_FORTIFY_SOURCE=2
CLI_LIBS   := -ljansson

$(BUILD)/obj/cli/%.c.o: src/cli/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CLI_CFLAGS) -c $< -o $@

$(CLI_BIN): $(CLI_OBJS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $(CLI_OBJS) $(CLI_LIBS)

all: $(CLI_BIN)
