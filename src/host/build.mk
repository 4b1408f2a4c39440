# The host runtime (untrusted): build/bin/occlum-runtime.

HOST_SRCS := $(shell find src/host -name '*.c' -o -name '*.S' | sort)
HOST_OBJS := $(patsubst src/%,$(BUILD)/obj/%.o,$(HOST_SRCS))
HOST_CFLAGS := $(COMMON) -D_GNU_SOURCE -fPIE
HOST_RUNTIME := $(BUILD)/bin/occlum-runtime

$(BUILD)/obj/host/%.c.o: src/host/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/obj/host/%.S.o: src/host/%.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_RUNTIME): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -pie -o $@ $(HOST_OBJS) -lpthread

all: $(HOST_RUNTIME)
