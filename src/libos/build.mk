# The LibOS image: freestanding, position independent, one ELF (build/lib/libos.so) that the
# host runtime loads into the enclave and the LibOS relocates itself on first entry.

LIBOS_SRCS  := $(shell find src/libos -name '*.c' -o -name '*.S' | sort)
LIBOS_OBJS  := $(patsubst src/%,$(BUILD)/obj/%.o,$(LIBOS_SRCS))
LIBOS_IMAGE := $(BUILD)/lib/libos.so

# -mgeneral-regs-only: the LibOS never touches SSE/AVX registers, so a LibOS-served syscall
# leaves the guest's vector state alone without saving it (OCALLs save it, arch/boundary.S).
# The stack-protector canary lives in the thread's tcs (%gs:0x28), never in %fs.
LIBOS_CFLAGS := $(COMMON) -Isrc/libos -ffreestanding -nostdinc \
    -isystem $(shell $(CC) -print-file-name=include) -fPIE -fvisibility=hidden \
    -mgeneral-regs-only -mno-red-zone -fno-builtin -fno-plt -fno-asynchronous-unwind-tables \
    -fstack-protector-strong -mstack-protector-guard=tls -mstack-protector-guard-reg=gs \
    -mstack-protector-guard-offset=0x28 -fno-omit-frame-pointer
LIBOS_LDFLAGS := -nostdlib -static-pie -Wl,-T,src/libos/libos.lds -Wl,-z,norelro \
    -Wl,-z,noexecstack -Wl,--no-dynamic-linker -Wl,-e,libos_entry -Wl,--build-id=none
LIBOS_LIBS  := $(shell $(CC) -print-libgcc-file-name)

$(BUILD)/obj/libos/%.c.o: src/libos/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LIBOS_CFLAGS) -c $< -o $@

$(BUILD)/obj/libos/%.S.o: src/libos/%.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LIBOS_CFLAGS) -c $< -o $@

$(LIBOS_IMAGE): $(LIBOS_OBJS) src/libos/libos.lds
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LIBOS_LDFLAGS) -o $@ $(LIBOS_OBJS) $(LIBOS_LIBS)
	$(Q)if readelf -d $@ | grep -q NEEDED; then echo "libos.so must not need libraries"; rm -f $@; exit 1; fi
	$(Q)if readelf -r $@ | awk '/R_X86_64_/ && $$3 != "R_X86_64_RELATIVE" {bad=1} END {exit !bad}'; then \
	    echo "libos.so has relocations other than R_X86_64_RELATIVE"; rm -f $@; exit 1; fi

all: $(LIBOS_IMAGE)
