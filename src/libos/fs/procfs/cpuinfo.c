/*
 * /proc/cpuinfo from CPUID, in Linux's layout (arch/x86/kernel/cpu/proc.c): one block per
 * CPU the enclave reports (libos_num_cpus), each ending with an empty line. Flags use
 * Linux's names for the CPUID bits (arch/x86/include/asm/cpufeatures.h); bits Linux
 * synthesises from other sources (constant_tsc, rep_good, ...) are not invented here.
 * Fields CPUID cannot tell (cpu MHz, bogomips) are left out when unknown rather than made up.
 */
#include "arch/arch.h"
#include "fs/procfs/procfs.h"
#include "uapi/errno.h"
#include "util/string.h"

extern int libos_num_cpus;

enum { EAX, EBX, ECX, EDX };

struct cpu_flag {
    uint32_t leaf, sub;
    uint8_t reg, bit;
    const char *name;
};

static const struct cpu_flag cpu_flags[] = {
    {1, 0, EDX, 0, "fpu"},
    {1, 0, EDX, 1, "vme"},
    {1, 0, EDX, 2, "de"},
    {1, 0, EDX, 3, "pse"},
    {1, 0, EDX, 4, "tsc"},
    {1, 0, EDX, 5, "msr"},
    {1, 0, EDX, 6, "pae"},
    {1, 0, EDX, 7, "mce"},
    {1, 0, EDX, 8, "cx8"},
    {1, 0, EDX, 9, "apic"},
    {1, 0, EDX, 11, "sep"},
    {1, 0, EDX, 12, "mtrr"},
    {1, 0, EDX, 13, "pge"},
    {1, 0, EDX, 14, "mca"},
    {1, 0, EDX, 15, "cmov"},
    {1, 0, EDX, 16, "pat"},
    {1, 0, EDX, 17, "pse36"},
    {1, 0, EDX, 19, "clflush"},
    {1, 0, EDX, 23, "mmx"},
    {1, 0, EDX, 24, "fxsr"},
    {1, 0, EDX, 25, "sse"},
    {1, 0, EDX, 26, "sse2"},
    {1, 0, EDX, 28, "ht"},
    {0x80000001, 0, EDX, 11, "syscall"},
    {0x80000001, 0, EDX, 20, "nx"},
    {0x80000001, 0, EDX, 22, "mmxext"},
    {0x80000001, 0, EDX, 26, "pdpe1gb"},
    {0x80000001, 0, EDX, 27, "rdtscp"},
    {0x80000001, 0, EDX, 29, "lm"},
    {1, 0, ECX, 0, "pni"},
    {1, 0, ECX, 1, "pclmulqdq"},
    {1, 0, ECX, 3, "monitor"},
    {1, 0, ECX, 9, "ssse3"},
    {1, 0, ECX, 12, "fma"},
    {1, 0, ECX, 13, "cx16"},
    {1, 0, ECX, 17, "pcid"},
    {1, 0, ECX, 19, "sse4_1"},
    {1, 0, ECX, 20, "sse4_2"},
    {1, 0, ECX, 21, "x2apic"},
    {1, 0, ECX, 22, "movbe"},
    {1, 0, ECX, 23, "popcnt"},
    {1, 0, ECX, 25, "aes"},
    {1, 0, ECX, 26, "xsave"},
    {1, 0, ECX, 28, "avx"},
    {1, 0, ECX, 29, "f16c"},
    {1, 0, ECX, 30, "rdrand"},
    {1, 0, ECX, 31, "hypervisor"},
    {0x80000001, 0, ECX, 0, "lahf_lm"},
    {0x80000001, 0, ECX, 5, "abm"},
    {0x80000001, 0, ECX, 6, "sse4a"},
    {0x80000001, 0, ECX, 8, "3dnowprefetch"},
    {7, 0, EBX, 0, "fsgsbase"},
    {7, 0, EBX, 3, "bmi1"},
    {7, 0, EBX, 4, "hle"},
    {7, 0, EBX, 5, "avx2"},
    {7, 0, EBX, 7, "smep"},
    {7, 0, EBX, 8, "bmi2"},
    {7, 0, EBX, 9, "erms"},
    {7, 0, EBX, 10, "invpcid"},
    {7, 0, EBX, 11, "rtm"},
    {7, 0, EBX, 16, "avx512f"},
    {7, 0, EBX, 17, "avx512dq"},
    {7, 0, EBX, 18, "rdseed"},
    {7, 0, EBX, 19, "adx"},
    {7, 0, EBX, 20, "smap"},
    {7, 0, EBX, 21, "avx512ifma"},
    {7, 0, EBX, 23, "clflushopt"},
    {7, 0, EBX, 24, "clwb"},
    {7, 0, EBX, 28, "avx512cd"},
    {7, 0, EBX, 29, "sha_ni"},
    {7, 0, EBX, 30, "avx512bw"},
    {7, 0, EBX, 31, "avx512vl"},
    {0xd, 1, EAX, 0, "xsaveopt"},
    {0xd, 1, EAX, 1, "xsavec"},
    {0xd, 1, EAX, 2, "xgetbv1"},
    {0xd, 1, EAX, 3, "xsaves"},
    {7, 0, ECX, 1, "avx512vbmi"},
    {7, 0, ECX, 2, "umip"},
    {7, 0, ECX, 3, "pku"},
    {7, 0, ECX, 6, "avx512_vbmi2"},
    {7, 0, ECX, 8, "gfni"},
    {7, 0, ECX, 9, "vaes"},
    {7, 0, ECX, 10, "vpclmulqdq"},
    {7, 0, ECX, 11, "avx512_vnni"},
    {7, 0, ECX, 12, "avx512_bitalg"},
    {7, 0, ECX, 14, "avx512_vpopcntdq"},
    {7, 0, ECX, 22, "rdpid"},
    {7, 0, EDX, 4, "fsrm"},
    {7, 0, EDX, 8, "avx512_vp2intersect"},
    {7, 0, EDX, 14, "serialize"},
    {7, 0, EDX, 24, "amx_tile"},
};

static bool leaf_ok(uint32_t leaf, uint32_t max_basic, uint32_t max_ext)
{
    return leaf >= 0x80000000 ? leaf <= max_ext : leaf <= max_basic;
}

int procfs_cpuinfo_gen(const struct pseudo_args *a, struct seqbuf *out)
{
    uint32_t r[4], l1[4], max_basic, max_ext, family, model, stepping;
    char vendor[13], brand[49];
    uint32_t l2_kb = 0, phys_bits = 36, virt_bits = 48, mhz = 0;
    struct seqbuf flags = {0};
    int ncpus = libos_num_cpus > 0 ? libos_num_cpus : 1;

    cpuid(0, 0, r);
    max_basic = r[EAX];
    memcpy(vendor, &r[EBX], 4);
    memcpy(vendor + 4, &r[EDX], 4);
    memcpy(vendor + 8, &r[ECX], 4);
    vendor[12] = '\0';
    cpuid(0x80000000, 0, r);
    max_ext = r[EAX] >= 0x80000000 ? r[EAX] : 0;

    cpuid(1, 0, l1);
    family = (l1[EAX] >> 8) & 0xf;
    model = (l1[EAX] >> 4) & 0xf;
    stepping = l1[EAX] & 0xf;
    if (family == 0xf)
        family += (l1[EAX] >> 20) & 0xff;
    if (family >= 6)
        model |= ((l1[EAX] >> 16) & 0xf) << 4;

    brand[0] = '\0';
    if (max_ext >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++) {
            cpuid(0x80000002 + i, 0, r);
            memcpy(brand + 16 * i, r, 16);
        }
        brand[48] = '\0';
    }
    if (max_ext >= 0x80000006) {
        cpuid(0x80000006, 0, r);
        l2_kb = r[ECX] >> 16;
    }
    if (max_ext >= 0x80000008) {
        cpuid(0x80000008, 0, r);
        phys_bits = r[EAX] & 0xff;
        virt_bits = (r[EAX] >> 8) & 0xff;
    }
    if (max_basic >= 0x16) {
        cpuid(0x16, 0, r);
        mhz = r[EAX] & 0xffff;
    }

    for (size_t i = 0; i < ARRAY_SIZE(cpu_flags); i++) {
        const struct cpu_flag *fl = &cpu_flags[i];

        if (!leaf_ok(fl->leaf, max_basic, max_ext))
            continue;
        cpuid(fl->leaf, fl->sub, r);
        if (r[fl->reg] & (1u << fl->bit))
            seq_printf(&flags, "%s%s", flags.len ? " " : "", fl->name);
    }
    if (flags.failed) {
        seq_free(&flags);
        return -ENOMEM;
    }

    /* The brand string is padded with leading spaces on some CPUs; Linux strips them. */
    const char *name = brand;
    while (*name == ' ')
        name++;
    for (int cpu = 0; cpu < ncpus; cpu++) {
        seq_printf(out,
                   "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
                   "model name\t: %s\nstepping\t: %u\n",
                   cpu, vendor, family, model, *name ? name : "unknown", stepping);
        if (mhz)
            seq_printf(out, "cpu MHz\t\t: %u.000\n", mhz);
        if (l2_kb)
            seq_printf(out, "cache size\t: %u KB\n", l2_kb);
        seq_printf(out,
                   "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n"
                   "apicid\t\t: %d\ninitial apicid\t: %d\nfpu\t\t: yes\nfpu_exception\t: yes\n"
                   "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t: %s\nbugs\t\t:\n",
                   ncpus, cpu, ncpus, cpu, cpu, max_basic, flags.buf ? flags.buf : "");
        if (mhz)
            seq_printf(out, "bogomips\t: %u.00\n", mhz * 2);
        seq_printf(out,
                   "clflush size\t: %u\ncache_alignment\t: %u\n"
                   "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
                   ((l1[EBX] >> 8) & 0xff) * 8, ((l1[EBX] >> 8) & 0xff) * 8, phys_bits, virt_bits);
    }
    seq_free(&flags);
    return 0;
}
