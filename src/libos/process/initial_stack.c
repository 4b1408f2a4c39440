/*
 * The initial stack of a new program, laid out as Linux's execve leaves it (System V x86-64
 * ABI, 3.4.1), from the top down:
 *
 *   16 random bytes (AT_RANDOM), "x86_64" (AT_PLATFORM), the exec file name (AT_EXECFN),
 *   the environment strings, the argument strings, padding to 16 bytes, then
 *   auxv pairs ending in AT_NULL, envp[] ending in NULL, argv[] ending in NULL, argc  <- sp
 *
 * The stack mapping is fresh and read-write, so the LibOS writes it directly.
 */
#include "arch/arch.h"
#include "mm/mm.h"
#include "process/process.h"
#include "process/spawn.h"
#include "uapi/elf.h"
#include "uapi/errno.h"
#include "util/string.h"

#define STACK_SIZE    (8UL << 20) /* RLIMIT_STACK's default */
#define HWCAP2_FSGSBASE (1 << 1)

/* cpuid leaf `leaf`, register `reg`, read once: cpuid exits to the hypervisor on a VM
 * (microseconds), and the answers do not change while the enclave runs. */
static uint32_t cpuid_once(uint32_t *cache, uint32_t leaf, int reg)
{
    uint32_t v = __atomic_load_n(cache, __ATOMIC_RELAXED);
    if (!v) {
        uint32_t r[4];
        cpuid(leaf, 0, r);
        v = r[reg];
        __atomic_store_n(cache, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* The signal frame size Linux reports as AT_MINSIGSTKSZ: the XSAVE area plus the frame. */
static uint64_t min_sigstack_size(void)
{
    static uint32_t xsave_bytes;
    return ALIGN_UP((uint64_t)cpuid_once(&xsave_bytes, 0xd, 1) + 0x400, 64);
}

long build_initial_stack(struct vm_space *vm, const struct elf_image *img, const char *execfn,
                         char *const argv[], size_t argc, char *const envp[], size_t envc)
{
    size_t strings = 16 + sizeof("x86_64") + strlen(execfn) + 1;
    for (size_t i = 0; i < argc; i++)
        strings += strlen(argv[i]) + 1;
    for (size_t i = 0; i < envc; i++)
        strings += strlen(envp[i]) + 1;
    size_t nauxv = 24; /* upper bound of the auxv entries below */
    size_t vectors = (1 + argc + 1 + envc + 1 + 2 * nauxv) * sizeof(uint64_t);
    if (strings + vectors + 4096 > STACK_SIZE / 4)
        return -E2BIG;

    long base = vm_mmap(vm, 0, STACK_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, NULL, 0);
    if (base < 0)
        return base;
    vm_set_name(vm, (uint64_t)base, STACK_SIZE, "[stack]");
    uint64_t top = (uint64_t)base + STACK_SIZE;

    char *p = (char *)top;
    p -= 16;
    uint64_t rnd[2];
    if (!rdrand64(&rnd[0]) || !rdrand64(&rnd[1]))
        return -EIO;
    memcpy(p, rnd, 16);
    uint64_t at_random = (uint64_t)p;
#define PUSH_STR(s)                                                                            \
    ({                                                                                         \
        size_t n_ = strlen(s) + 1;                                                             \
        p -= n_;                                                                               \
        memcpy(p, (s), n_);                                                                    \
        (uint64_t)p;                                                                           \
    })
    uint64_t at_platform = PUSH_STR("x86_64");
    uint64_t at_execfn = PUSH_STR(execfn);
    uint64_t env_end = (uint64_t)p;
    uint64_t *env_ptrs = kmalloc((envc + argc + 1) * sizeof(uint64_t));
    if (!env_ptrs)
        return -ENOMEM;
    uint64_t *arg_ptrs = env_ptrs + envc;
    for (size_t i = envc; i-- > 0;)
        env_ptrs[i] = PUSH_STR(envp[i]);
    uint64_t env_start = (uint64_t)p;
    for (size_t i = argc; i-- > 0;)
        arg_ptrs[i] = PUSH_STR(argv[i]);
#undef PUSH_STR

    struct process *proc = current_process();
    /* The strings are contiguous, argv's then envp's, as Linux lays them out. */
    proc->arg_start = (uint64_t)p;
    proc->arg_end = env_start;
    proc->env_start = env_start;
    proc->env_end = env_end;
    static uint32_t hwcap;
    uint64_t auxv[][2] = {
        {AT_MINSIGSTKSZ, min_sigstack_size()},
        {AT_HWCAP, cpuid_once(&hwcap, 1, 3)},
        {AT_PAGESZ, PAGE_SIZE},
        {AT_CLKTCK, 100},
        {AT_PHDR, img->phdr},
        {AT_PHENT, sizeof(Elf64_Phdr)},
        {AT_PHNUM, img->phnum},
        {AT_BASE, img->base},
        {AT_FLAGS, 0},
        {AT_ENTRY, img->prog_entry},
        {AT_UID, proc->uid},
        {AT_EUID, proc->euid},
        {AT_GID, proc->gid},
        {AT_EGID, proc->egid},
        {AT_SECURE, 0},
        {AT_RANDOM, at_random},
        {AT_HWCAP2, HWCAP2_FSGSBASE},
        {AT_EXECFN, at_execfn},
        {AT_PLATFORM, at_platform},
        {AT_NULL, 0},
    };
    /* No AT_SYSINFO_EHDR: there is no vDSO, so time calls come to the LibOS. */
    size_t naux = ARRAY_SIZE(auxv);

    size_t words = 1 + argc + 1 + envc + 1 + 2 * naux;
    uint64_t sp = ALIGN_DOWN((uint64_t)p - words * 8, 16);
    uint64_t *w = (uint64_t *)sp;
    *w++ = argc;
    for (size_t i = 0; i < argc; i++)
        *w++ = arg_ptrs[i];
    *w++ = 0;
    for (size_t i = 0; i < envc; i++)
        *w++ = env_ptrs[i];
    *w++ = 0;
    for (size_t i = 0; i < naux; i++) {
        *w++ = auxv[i][0];
        *w++ = auxv[i][1];
    }
    kfree(env_ptrs);
    return (long)sp;
}
