/*
 * Conformance: the initial process stack -- argv, envp and the auxiliary vector.
 *
 * Usage: auxv [--env NAME=value]... alpha 'two words' ''
 * The harness passes exactly those three words after the options; each --env names a
 * variable that must be in the environment with that value (natively the harness sets it,
 * inside the enclave Occlum.json's env section does).
 *
 * The auxiliary vector is walked directly from the end of envp, as libc finds it, so the
 * test sees what the loader built rather than what libc made of it.
 */
#define _GNU_SOURCE
#include "check.h"

#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif

extern char _start[];                 /* the entry point, from crt1.o of either libc */
extern const Elf64_Ehdr __ehdr_start; /* the ELF header, defined by the linker */

#define MAX_AT 64
static unsigned long at_val[MAX_AT];
static int at_seen[MAX_AT];

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void test_argv(int argc, char **argv, char **envp, int first)
{
    section_begin("argv");
    CHECK(argc >= 1);
    CHECK(argv[argc] == NULL);
    CHECK(((uintptr_t)argv & 7) == 0);
    CHECK(argv[0] != NULL && argv[0][0] != '\0');
    /* envp follows argv's terminating NULL directly. */
    CHECK(envp == argv + argc + 1);
    CHECK(argc - first == 3);
    if (argc - first == 3) {
        CHECK(strcmp(argv[first], "alpha") == 0);
        CHECK(strcmp(argv[first + 1], "two words") == 0);
        CHECK(strcmp(argv[first + 2], "") == 0);
        /* The strings are laid out back to back, in order, as Linux copies them. */
        CHECK(argv[first + 1] == argv[first] + strlen(argv[first]) + 1);
        CHECK(argv[first + 2] == argv[first + 1] + strlen(argv[first + 1]) + 1);
    }
    section_end();
}

static void test_envp(int argc, char **argv, char **envp)
{
    section_begin("envp");
    int n = 0;
    for (char **e = envp; *e; e++, n++) {
        const char *eq = strchr(*e, '=');
        CHECK(eq != NULL && eq != *e);
        if (!eq)
            continue;
        /* getenv agrees with the vector for the first occurrence of each name. */
        char name[256];
        size_t len = (size_t)(eq - *e);
        if (len < sizeof(name)) {
            memcpy(name, *e, len);
            name[len] = '\0';
            char *v = getenv(name);
            CHECK(v != NULL);
        }
    }
    CHECK(n < 100000);
    for (int i = 1; i + 1 < argc && strcmp(argv[i], "--env") == 0; i += 2) {
        const char *want = argv[i + 1];
        const char *eq = strchr(want, '=');
        CHECK(eq != NULL);
        if (!eq)
            continue;
        char name[256];
        size_t len = (size_t)(eq - want);
        CHECK(len < sizeof(name));
        if (len >= sizeof(name))
            continue;
        memcpy(name, want, len);
        name[len] = '\0';
        const char *v = getenv(name);
        CHECK(v != NULL && strcmp(v, eq + 1) == 0);
    }
    section_end();
}

static void test_auxv(char **envp, char **argv)
{
    char **e = envp;
    while (*e)
        e++;
    Elf64_auxv_t *av = (Elf64_auxv_t *)(e + 1);

    section_begin("auxv layout");
    int n = 0, dup = 0;
    for (; av[n].a_type != AT_NULL && n < 1000; n++) {
        unsigned long t = av[n].a_type;
        if (t < MAX_AT) {
            if (at_seen[t])
                dup++;
            at_seen[t] = 1;
            at_val[t] = av[n].a_un.a_val;
        }
    }
    CHECK(n > 0 && n < 1000);
    CHECK(dup == 0);
    /* getauxval reads the same vector. */
    CHECK(getauxval(AT_PAGESZ) == at_val[AT_PAGESZ]);
    CHECK(getauxval(AT_ENTRY) == at_val[AT_ENTRY]);
    section_end();

    section_begin("auxv values");
    static const int required[] = {AT_PHDR,   AT_PHENT,    AT_PHNUM,  AT_PAGESZ,     AT_BASE,
                                   AT_FLAGS,  AT_ENTRY,    AT_UID,    AT_EUID,       AT_GID,
                                   AT_EGID,   AT_SECURE,   AT_RANDOM, AT_HWCAP,      AT_HWCAP2,
                                   AT_EXECFN, AT_PLATFORM, AT_CLKTCK, AT_MINSIGSTKSZ};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        int present = at_seen[required[i]];
        CHECK(present);
        if (!present)
            printf("missing AT_ type %d\n", required[i]);
    }
    CHECK(at_val[AT_PAGESZ] == 4096);
    CHECK(at_val[AT_PHENT] == sizeof(Elf64_Phdr));
    CHECK(at_val[AT_PHNUM] >= 2 && at_val[AT_PHNUM] < 64);
    CHECK(at_val[AT_BASE] == 0); /* static: no interpreter */
    CHECK(at_val[AT_FLAGS] == 0);
    CHECK(at_val[AT_ENTRY] == (uintptr_t)_start);
    CHECK(at_val[AT_UID] == (unsigned long)syscall(SYS_getuid));
    CHECK(at_val[AT_EUID] == (unsigned long)syscall(SYS_geteuid));
    CHECK(at_val[AT_GID] == (unsigned long)syscall(SYS_getgid));
    CHECK(at_val[AT_EGID] == (unsigned long)syscall(SYS_getegid));
    CHECK(at_val[AT_SECURE] == 0);
    CHECK(at_val[AT_CLKTCK] == 100);
    /* x86-64 CPUs always have FPU (bit 0), TSC (4), CX8 (8), CMOV (15), SSE (25), SSE2 (26). */
    unsigned long hw = at_val[AT_HWCAP],
                  need = 1ul | 1ul << 4 | 1ul << 8 | 1ul << 15 | 1ul << 25 | 1ul << 26;
    CHECK((hw & need) == need);
    CHECK(at_val[AT_MINSIGSTKSZ] >= 1024 && at_val[AT_MINSIGSTKSZ] <= 65536);

    const char *plat = (const char *)at_val[AT_PLATFORM];
    CHECK(plat != NULL && strcmp(plat, "x86_64") == 0);

    const char *execfn = (const char *)at_val[AT_EXECFN];
    CHECK(execfn != NULL && execfn[0] != '\0');
    if (execfn)
        CHECK(strcmp(base_name(execfn), base_name(argv[0])) == 0);

    /* AT_RANDOM: 16 bytes on the stack above the argv array, not all zero. */
    const unsigned char *rnd = (const unsigned char *)at_val[AT_RANDOM];
    CHECK(rnd != NULL && (uintptr_t)rnd > (uintptr_t)argv);
    if (rnd) {
        int nz = 0;
        for (int i = 0; i < 16; i++)
            nz |= rnd[i];
        CHECK(nz != 0);
    }
    section_end();

    section_begin("auxv program headers");
    const Elf64_Phdr *ph = (const Elf64_Phdr *)at_val[AT_PHDR];
    unsigned long phnum = at_val[AT_PHNUM];
    CHECK(ph != NULL && ((uintptr_t)ph & 7) == 0);
    if (!ph || phnum >= 64)
        goto out;
    /*
     * The ELF header, as the linker placed it (__ehdr_start is GNU ld's symbol for it): the
     * table AT_PHDR points at is the one the header names, and the entry point agrees.
     */
    const Elf64_Ehdr *eh = &__ehdr_start;
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
    CHECK((const char *)eh + eh->e_phoff == (const char *)ph);
    CHECK(eh->e_phnum == phnum);
    uintptr_t bias = 0;
    int loads = 0, entry_in_text = 0;
    for (unsigned long i = 0; i < phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
            bias = (uintptr_t)eh - ph[i].p_vaddr;
            break;
        }
    CHECK(bias == 0 || eh->e_type == ET_DYN);
    CHECK(at_val[AT_ENTRY] == bias + eh->e_entry);
    CHECK((bias & 4095) == 0);
    for (unsigned long i = 0; i < phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        loads++;
        uintptr_t lo = bias + ph[i].p_vaddr, hi = lo + ph[i].p_memsz;
        if ((ph[i].p_flags & PF_X) && at_val[AT_ENTRY] >= lo && at_val[AT_ENTRY] < hi)
            entry_in_text = 1;
        CHECK((ph[i].p_vaddr - ph[i].p_offset) % 4096 == 0);
    }
    CHECK(loads >= 1);
    CHECK(entry_in_text);
out:
    section_end();
}

int main(int argc, char **argv, char **envp)
{
    int first = 1;
    while (first + 1 < argc && strcmp(argv[first], "--env") == 0)
        first += 2;
    test_argv(argc, argv, envp, first);
    test_envp(argc, argv, envp);
    test_auxv(envp, argv);
    return check_summary("auxv");
}
