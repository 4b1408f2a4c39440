/*
 * The syscall fast path: rewriting trapped syscall sites.
 *
 * After a guest syscall site has trapped once (Syscall User Dispatch: a host SIGSYS, ~1.6 us),
 * it is rewritten to jump to a per-site stub that enters the LibOS directly
 * (libos_fast_syscall, arch/entry.S) without the host. Every stub ends
 *
 *     movb  $0, %gs:TCS_IN_GUEST               the LibOS owns the thread from here
 *     movq  $site_after, %gs:TCS_SSA+REGS_RIP  where the syscall returns to
 *     jmp   *%gs:TCS_FAST_ENTRY                libos_fast_syscall
 *
 * and begins with the instruction the rewrite took away, if any. Three ways, tried in order:
 *
 * 1. `mov $nr, %eax; syscall` (b8 imm32 0f 05, most libc wrappers): the 5-byte mov becomes
 *    `jmp stub` (e9 rel32); the stub begins `mov $nr, %eax`. The `syscall` bytes stay, so a
 *    thread already past the mov, or code that jumps straight to the `syscall`, still traps.
 *
 * 2. Any other site (the number set earlier or from a register: syscall(2), ld.so's openat,
 *    a mov site whose 5 bytes straddle two 16-byte blocks): the 2-byte `syscall` itself
 *    becomes `jmp short pad` (eb rel8), where `pad` is dead alignment padding after the
 *    function's exit and receives `jmp stub` (e9 rel32), written before the eb is. The stub
 *    leaves rax as the guest set it. Code that jumps straight to the site takes the same path.
 *
 * 3. `xor %eax, %eax; syscall` (31 c0 0f 05, glibc's read, nr 0) whose `syscall` straddles two
 *    blocks: the xor becomes the `jmp short pad` instead, and the stub begins `xor %eax,
 *    %eax`, not `mov $0`: libos_fast_syscall saves rflags for the return (r11), and they must
 *    be those the xor leaves.
 *
 *    `pad` (ways 2 and 3) is found by decoding forward
 *    from the trapping rip (a known instruction boundary) with a small length decoder that
 *    knows only the instructions of glibc's syscall epilogues and gives up on anything else,
 *    up to an unconditional exit (ret, jmp) within DECODE_MAX bytes; the bytes from there to
 *    the next 16-byte (or else 8-byte) boundary must all be canonical multi-byte nops or
 *    int3, at least 5 of them, within rel8 reach; past a shorter padding, or code that is not
 *    padding (glibc's syscall(2) puts its error path right after its ret), decoding goes on
 *    (.text of compiled code holds no data, and a false start would still have to decode
 *    cleanly up to an exit followed by canonical nops to an aligned boundary). Such bytes
 *    are what the assembler's .p2align emits before an aligned branch target: nothing jumps
 *    into them. If the padding already holds
 *    `jmp` to this site's stub (an earlier rewrite whose eb store lost a race), it is reused;
 *    if it holds anything else (another site's jump), the site keeps trapping.
 *    Residual risk, accepted: `31 c0` could in theory be the tail of a longer instruction that
 *    ends at the syscall with rax 0; no compiler emits such code before a syscall.
 *
 * Sites without usable padding within reach (glibc's __read_nocancel has 3 bytes) keep
 * trapping.
 *
 * Every store into guest code is one atomic 16-byte compare-and-swap of the aligned block
 * that holds the changed bytes (a site or padding that straddles two blocks is left alone),
 * made while the page is briefly writable, so a thread running the same code sees either the
 * old or the new instruction, and a concurrent change to the block makes the store fail
 * harmlessly.
 *
 * Stubs live in one area of the user range owned by no process, reachable from every site
 * with a rel32 jump (the whole user range is within 2 GiB); a stub depends only on (site,
 * shape, nr), so a later process with the same code at the same address reuses it. Stubs are
 * never freed; when the area is full, sites simply stay on the trap path.
 *
 * Locking: fastpath_lock guards the stub table and area; the rewriting holds the process's
 * vm lock so that the code pages cannot change under it (lock order: vm, then fastpath_lock).
 */
#include "syscall/fastpath.h"
#include "mm/mm.h"
#include "occlum/abi.h"
#include "ocall/ocall.h"
#include "process/process.h"
#include "uapi/linux_types.h"
#include "util/log.h"
#include "util/spinlock.h"
#include "util/string.h"
#include "util/uaccess.h"

void libos_fast_syscall(void);

#define STUB_SIZE   64
#define STUB_AREA   (2UL << 20) /* 32768 stubs */
#define STUB_TABLE  8192        /* hash slots, a power of two */
#define STUB_XOR    (1U << 31)  /* key flag: the stub begins `xor %eax,%eax`, not `mov $nr` */
#define STUB_ANY    (1U << 30)  /* key flag: the stub leaves %eax as the guest set it */
#define DECODE_MAX  120         /* bytes decoded forward from an xor site's syscall */

struct stub_key {
    uint64_t site_after; /* 0: empty slot */
    uint32_t key;        /* nr, with STUB_XOR for an xor site */
    uint32_t index;      /* the stub's number in the area */
};

static spinlock_t fastpath_lock = SPINLOCK_INIT;
static uint64_t stub_base;       /* 0: the fast path is off */
static uint32_t stubs_used;      /* guarded by fastpath_lock */
static struct stub_key *table;   /* guarded by fastpath_lock */
static struct vm_space *stub_vm; /* owns the stub area in the user range */
bool fastpath_enabled;

void fastpath_init(void)
{
    stub_vm = vm_space_create();
    table = kzalloc(STUB_TABLE * sizeof(*table));
    if (!stub_vm || !table)
        return;
    long at = vm_mmap(stub_vm, 0, STUB_AREA, PROT_READ | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
    if (at < 0) {
        log_info("syscall fast path off: no room for its stubs (%ld)", at);
        return;
    }
    stub_base = (uint64_t)at;
    fastpath_enabled = true;
}

void fastpath_init_tcs(struct tcs *tcs)
{
    tcs->fast_entry = (uint64_t)libos_fast_syscall;
}

/* ---- stubs ---------------------------------------------------------------------------- */

/* Writes the stub for (site_after, key) at `at` (its page is made writable around it). */
static bool write_stub(uint64_t at, uint64_t site_after, uint32_t key)
{
    uint8_t code[STUB_SIZE];
    size_t n = 0;
    if (key & STUB_ANY) {
        /* rax already holds the number */
    } else if (key & STUB_XOR) {
        code[n++] = 0x31; /* xor %eax, %eax */
        code[n++] = 0xc0;
    } else {
        code[n++] = 0xb8; /* mov $nr, %eax */
        memcpy(code + n, &key, 4), n += 4;
    }
    /* movb $0, %gs:TCS_IN_GUEST */
    const uint8_t movb[] = {0x65, 0xc6, 0x04, 0x25};
    memcpy(code + n, movb, 4), n += 4;
    uint32_t disp = TCS_IN_GUEST;
    memcpy(code + n, &disp, 4), n += 4;
    code[n++] = 0x00;
    /* movq $site_after, %gs:TCS_SSA+REGS_RIP (imm32, sign-extended: site_after < 2^31) */
    const uint8_t movq[] = {0x65, 0x48, 0xc7, 0x04, 0x25};
    memcpy(code + n, movq, 5), n += 5;
    disp = TCS_SSA + REGS_RIP;
    memcpy(code + n, &disp, 4), n += 4;
    uint32_t imm = (uint32_t)site_after;
    memcpy(code + n, &imm, 4), n += 4;
    /* jmp *%gs:TCS_FAST_ENTRY */
    const uint8_t jmp[] = {0x65, 0xff, 0x24, 0x25};
    memcpy(code + n, jmp, 4), n += 4;
    disp = TCS_FAST_ENTRY;
    memcpy(code + n, &disp, 4), n += 4;
    while (n < STUB_SIZE)
        code[n++] = 0xcc; /* int3 */
    /* Other threads may be running the page's earlier stubs: it stays executable. */
    uint64_t page = ALIGN_DOWN(at, PAGE_SIZE);
    if (host_mem_commit(page, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC))
        return false;
    memcpy((void *)at, code, STUB_SIZE);
    host_mem_commit(page, PAGE_SIZE, PROT_READ | PROT_EXEC);
    return true;
}

/* The stub for (site_after, key), made if needed and `create`; 0 if there is none to be had. */
static uint64_t stub_for(uint64_t site_after, uint32_t key, bool create)
{
    uint64_t found = 0;
    spin_lock(&fastpath_lock);
    uint32_t h = (uint32_t)((site_after * 0x9e3779b97f4a7c15ULL) >> 40) ^ key;
    for (uint32_t probe = 0; probe < 64; probe++) {
        struct stub_key *k = &table[(h + probe) & (STUB_TABLE - 1)];
        if (k->site_after == site_after && k->key == key) {
            found = stub_base + (uint64_t)k->index * STUB_SIZE;
            break;
        }
        if (k->site_after == 0) {
            if (!create || (uint64_t)stubs_used * STUB_SIZE >= STUB_AREA)
                break;
            uint64_t at = stub_base + (uint64_t)stubs_used * STUB_SIZE;
            if (!write_stub(at, site_after, key))
                break;
            *k = (struct stub_key){site_after, key, stubs_used++};
            found = at;
            break;
        }
    }
    spin_unlock(&fastpath_lock);
    return found;
}

/* ---- storing into guest code ---------------------------------------------------------- */

/* lock cmpxchg16b on the 16-byte aligned `addr`: stores `new` if it still holds `old`. */
static bool cmpxchg16(uint64_t addr, const uint64_t old[2], const uint64_t new[2])
{
    uint64_t lo = old[0], hi = old[1];
    bool stored;
    __asm__ volatile("lock cmpxchg16b %0"
                     : "+m"(*(volatile uint64_t(*)[2])addr), "+a"(lo), "+d"(hi), "=@ccz"(stored)
                     : "b"(new[0]), "c"(new[1])
                     : "memory");
    return stored;
}

/* Replaces the `len` bytes at `addr`, which must still hold `was`, by `now`: one 16-byte
 * compare-and-swap of the aligned block that holds them all (the caller checked that one
 * does, and made the page writable). The block's other bytes are written back with their own
 * values, so a concurrent change anywhere in it makes the store fail harmlessly. */
static bool patch_bytes(uint64_t addr, const uint8_t *was, const uint8_t *now, size_t len)
{
    uint64_t block = ALIGN_DOWN(addr, 16), off = addr - block;
    uint64_t old[2], new[2];
    memcpy(old, (const void *)block, 16); /* a torn read only makes the cmpxchg fail */
    if (memcmp((const uint8_t *)old + off, was, len) != 0)
        return false;
    memcpy(new, old, 16);
    memcpy((uint8_t *)new + off, now, len);
    return cmpxchg16(block, old, new);
}

/* `jmp to` (e9 rel32) for an instruction at `at`, in out; false if `to` is out of reach. */
static bool jmp_rel32(uint8_t out[5], uint64_t at, uint64_t to)
{
    int64_t rel = (int64_t)to - (int64_t)(at + 5);
    if (rel != (int32_t)rel)
        return false;
    int32_t r32 = (int32_t)rel;
    out[0] = 0xe9;
    memcpy(out + 1, &r32, 4);
    return true;
}

/* An ordinary code page of the process: readable and executable, not writable. vm lock held. */
static bool code_page(struct vm_space *vm, uint64_t page)
{
    return vm_range_ok_locked(vm, page, PAGE_SIZE, PROT_READ | PROT_EXEC) &&
           !vm_range_ok_locked(vm, page, PAGE_SIZE, PROT_WRITE);
}

/* The end of the ordinary code that holds `addr`: its page, and the next one if that is code
 * too; 0 if addr's page is not code. Bytes below the end may be read. vm lock held. */
static uint64_t code_end(struct vm_space *vm, uint64_t addr)
{
    uint64_t page = ALIGN_DOWN(addr, PAGE_SIZE);
    if (!code_page(vm, page))
        return 0;
    return code_page(vm, page + PAGE_SIZE) ? page + 2 * PAGE_SIZE : page + PAGE_SIZE;
}

/* Makes the pages of [lo, hi) writable (prot RWX; other threads may be executing them) or
 * gives them back their code protection. */
static int code_writable(uint64_t lo, uint64_t hi, bool writable)
{
    uint64_t page = ALIGN_DOWN(lo, PAGE_SIZE);
    int prot = PROT_READ | PROT_EXEC | (writable ? PROT_WRITE : 0);
    return host_mem_commit(page, ALIGN_UP(hi, PAGE_SIZE) - page, prot);
}

/* ---- a length decoder for syscall epilogues ------------------------------------------- */

/* Bytes taken by the ModRM operand at p (ModRM, SIB, displacement; 64-bit addressing, so
 * mod 0 rm 5 is RIP-relative disp32); 0 if it runs past `avail`. */
static size_t modrm_len(const uint8_t *p, size_t avail)
{
    if (avail < 1)
        return 0;
    uint8_t mod = p[0] >> 6, rm = p[0] & 7;
    size_t n = 1;
    if (mod != 3 && rm == 4) {
        if (avail < 2)
            return 0;
        n++; /* SIB; base 5 with mod 0 means disp32, no base */
        if (mod == 0 && (p[1] & 7) == 5)
            n += 4;
    } else if (mod == 0 && rm == 5) {
        n += 4;
    }
    n += mod == 1 ? 1 : mod == 2 ? 4 : 0;
    return n <= avail ? n : 0;
}

/* The length of the instruction at p (at most `avail` bytes may be read), with *exits set if
 * it is an unconditional transfer (ret, jmp) after which the next bytes are not reached by
 * falling through; 0 for anything the decoder does not know. It knows: prefixes fs (64) and
 * REX; the ALU ops with ModRM or an accumulator immediate; mov, lea, test, xchg, movsxd,
 * movzx/movsx, cmov, setcc, imul, shifts; 80/81/83/c6/c7/f6/f7/ff groups; push/pop, nop,
 * leave, cltq/cqto; mov imm (imm64 with REX.W); jcc, jmp, call (rel8/rel32); ret; syscall.
 * No 66, 67 or other prefixes: their operand sizes change lengths, so they end the decoding. */
static size_t insn_len(const uint8_t *p, size_t avail, bool *exits)
{
    size_t i = 0, imm = 0;
    bool rex_w = false, modrm = false;
    *exits = false;
    if (i < avail && p[i] == 0x64)
        i++;
    if (i < avail && (p[i] & 0xf0) == 0x40)
        rex_w = p[i++] & 8;
    if (i >= avail)
        return 0;
    uint8_t op = p[i++];
    if (op < 0x40 && (op & 7) < 4) {
        modrm = true; /* add/or/adc/sbb/and/sub/xor/cmp r/m, r and r, r/m */
    } else if (op < 0x40 && (op & 7) == 4) {
        imm = 1; /* op $imm8, %al */
    } else if (op < 0x40 && (op & 7) == 5) {
        imm = 4; /* op $imm32, %eax/%rax */
    } else if ((op >= 0x50 && op <= 0x5f) || op == 0x90 || op == 0x98 || op == 0x99 || op == 0xc9) {
        /* push, pop, nop, cltq, cqto, leave */
    } else if (op == 0x63 || (op >= 0x84 && op <= 0x8b) || op == 0x8d || op == 0xd1 || op == 0xd3) {
        modrm = true;
    } else if (op == 0x80 || op == 0x83 || op == 0xc0 || op == 0xc1 || op == 0xc6) {
        modrm = true, imm = 1;
    } else if (op == 0x81 || op == 0xc7) {
        modrm = true, imm = 4;
    } else if (op == 0x6a || op == 0xa8 || (op >= 0x70 && op <= 0x7f) ||
               (op >= 0xb0 && op <= 0xb7)) {
        imm = 1; /* push imm8, test imm8, jcc rel8, mov imm8 */
    } else if (op == 0x68 || op == 0xa9 || op == 0xe8) {
        imm = 4; /* push imm32, test imm32, call rel32 */
    } else if (op >= 0xb8 && op <= 0xbf) {
        imm = rex_w ? 8 : 4;
    } else if (op == 0xc3) {
        *exits = true;
    } else if (op == 0xe9 || op == 0xeb) {
        imm = op == 0xe9 ? 4 : 1;
        *exits = true;
    } else if (op == 0xf6 || op == 0xf7 || op == 0xff) {
        if (i >= avail)
            return 0;
        uint8_t reg = (p[i] >> 3) & 7;
        modrm = true;
        if (op != 0xff && reg < 2)
            imm = op == 0xf6 ? 1 : 4; /* test $imm */
        if (op == 0xff && (reg == 4 || reg == 5))
            *exits = true; /* jmp *r/m */
    } else if (op == 0x0f) {
        if (i >= avail)
            return 0;
        uint8_t op2 = p[i++];
        if (op2 == 0x05) {
            /* syscall */
        } else if (op2 >= 0x80 && op2 <= 0x8f) {
            imm = 4; /* jcc rel32 */
        } else if (op2 == 0x1f || (op2 >= 0x40 && op2 <= 0x4f) || (op2 >= 0x90 && op2 <= 0x9f) ||
                   op2 == 0xaf || op2 == 0xb6 || op2 == 0xb7 || op2 == 0xbe || op2 == 0xbf) {
            modrm = true; /* nop r/m, cmov, setcc, imul, movzx, movsx */
        } else {
            return 0;
        }
    } else {
        return 0;
    }
    if (modrm) {
        size_t m = modrm_len(p + i, avail - i);
        if (m == 0)
            return 0;
        i += m;
    }
    i += imm;
    return i <= avail ? i : 0;
}

/* The end of the first unconditional exit reached by decoding straight on from `from` (an
 * instruction boundary), reading below `limit` and at most DECODE_MAX bytes; 0 if none. */
static uint64_t first_exit_end(uint64_t from, uint64_t limit)
{
    uint64_t at = from, stop = MIN(limit, from + DECODE_MAX);
    bool exits = false;
    while (!exits) {
        if (at >= stop)
            return 0;
        size_t n = insn_len((const uint8_t *)at, stop - at, &exits);
        if (n == 0)
            return 0;
        at += n;
    }
    return at;
}

/* ---- alignment padding ---------------------------------------------------------------- */

/* The length of the padding instruction at p: int3, or one of the canonical nops the GNU
 * assembler pads with (90, 0f 1f /0 with a zero displacement of 0, 1 or 4 bytes, possibly
 * SIB-addressed, behind 66 prefixes and a cs prefix); 0 for anything else. */
static size_t nop_len(const uint8_t *p, size_t avail)
{
    static const uint8_t nopl[][6] = {
        {3, 0x0f, 0x1f, 0x00},
        {4, 0x0f, 0x1f, 0x40, 0x00},
        {5, 0x0f, 0x1f, 0x44, 0x00, 0x00},
    };
    if (avail >= 1 && p[0] == 0xcc)
        return 1;
    size_t i = 0;
    while (i < avail && i < 6 && p[i] == 0x66)
        i++;
    bool cs = i < avail && p[i] == 0x2e;
    i += cs;
    if (i >= avail)
        return 0;
    if (p[i] == 0x90)
        return cs ? 0 : i + 1;
    if (avail - i < 3 || p[i] != 0x0f || p[i + 1] != 0x1f)
        return 0;
    for (size_t f = 0; f < ARRAY_SIZE(nopl); f++) {
        size_t n = nopl[f][0];
        if (avail - i >= n && memcmp(p + i, nopl[f] + 1, n) == 0)
            return i + n;
    }
    /* 0f 1f 80 disp32 and 0f 1f 84 00 disp32 (SIB 00: (%rax,%rax,1)), all zero */
    size_t n = p[i + 2] == 0x80 ? 7 : p[i + 2] == 0x84 ? 8 : 0;
    if (n == 0 || avail - i < n)
        return 0;
    for (size_t k = 3; k < n; k++)
        if (p[i + k] != 0)
            return 0;
    return i + n;
}

enum pad_state { PAD_OTHER, PAD_NOPS, PAD_JMP };

/* What the padding bytes p[0..len) hold: only canonical nops and int3, a jmp rel32 at its
 * start (a rewrite made it; the caller checks where to), or anything else. */
static enum pad_state padding_state(const uint8_t *p, size_t len)
{
    if (len >= 5 && p[0] == 0xe9)
        return PAD_JMP;
    for (size_t at = 0; at < len;) {
        size_t n = nop_len(p + at, len - at);
        if (n == 0)
            return PAD_OTHER;
        at += n;
    }
    return PAD_NOPS;
}

/* ---- the two site shapes -------------------------------------------------------------- */

/* `mov $nr, %eax; syscall` ending at rip: its mov becomes `jmp stub`. False if the site does
 * not have this shape. vm lock held. */
static bool rewrite_mov_site(struct vm_space *vm, uint64_t rip, uint32_t nr)
{
    uint64_t site = rip - 7;
    if ((site & 15) > 11)
        return false; /* the 5 bytes must sit in one aligned 16 bytes */
    uint64_t limit = code_end(vm, site);
    if (limit < rip)
        return false;
    uint8_t was[7];
    memcpy(was, (const void *)site, sizeof(was)); /* code, readable: checked above */
    uint32_t imm;
    memcpy(&imm, was + 1, 4);
    if (was[0] != 0xb8 || imm != nr || was[5] != 0x0f || was[6] != 0x05)
        return false;
    uint64_t stub = stub_for(rip, nr, true);
    uint8_t jmp[5];
    if (!stub || !jmp_rel32(jmp, site, stub) || code_writable(site, site + 5, true) != 0)
        return true;
    if (patch_bytes(site, was, jmp, 5))
        vm_mark_patched_locked(vm, site, site + 5);
    code_writable(site, site + 5, false);
    return true;
}

/*
 * A 2-byte instruction at `site` (holding `orig`) that ends in or at the trapping syscall
 * becomes `jmp short pad`, `pad` being the alignment padding after the function's exit, which
 * gets `jmp stub` first. False if the bytes are not there or the padding is not usable.
 * vm lock held.
 */
static bool rewrite_via_padding(struct vm_space *vm, uint64_t rip, uint64_t site,
                                const uint8_t orig[2], uint32_t key)
{
    if ((site & 15) == 15)
        return false; /* the 2 bytes must sit in one aligned 16 bytes */
    uint64_t limit = code_end(vm, site);
    if (limit < rip || memcmp((const void *)site, orig, 2) != 0)
        return false;

    /* A stub is made only once padding is found, so sites that stay on the trap path do not
     * use up the stub area; an existing one tells whether a jump in the padding is ours. */
    uint64_t stub = stub_for(rip, key, false);
    uint8_t was[16], jmp[5] = {0};
    uint64_t pad = 0, pad_end = 0, from = rip;
    enum pad_state state = PAD_OTHER;
    /* The first padding of 5 bytes or more, free or already holding this stub's jump, after
     * one of the exits met decoding on from rip. The assembler pads to a 16-byte boundary, or
     * to an 8-byte one when that takes fewer bytes (.p2align 4,,10; .p2align 3): both ends are
     * tried. Past a padding too short to use, decoding goes on from its 8-byte boundary (an
     * aligned branch target, so an instruction boundary) while rel8 still reaches. */
    while (state == PAD_OTHER) {
        pad = first_exit_end(from, limit);
        if (pad == 0 || pad - (site + 2) > 127 || (stub && !jmp_rel32(jmp, pad, stub)))
            return false;
        for (uint64_t align = 16; align >= 8 && state == PAD_OTHER; align /= 2) {
            pad_end = ALIGN_UP(pad, align);
            if (pad_end > limit || pad_end - pad < 5)
                continue;
            memcpy(was, (const void *)pad, pad_end - pad);
            state = padding_state(was, pad_end - pad);
            if (state == PAD_JMP && (!stub || memcmp(was, jmp, 5) != 0))
                return false; /* another site's jump */
        }
        if (state == PAD_OTHER) {
            /* Too short, or no padding at all (an error path follows the exit): decoding goes
             * on after the padding, or right after the exit. */
            uint64_t end8 = ALIGN_UP(pad, 8);
            bool nops = end8 <= limit &&
                        padding_state((const uint8_t *)pad, end8 - pad) == PAD_NOPS;
            from = nops ? end8 : pad;
        }
    }
    if (!stub && (!(stub = stub_for(rip, key, true)) || !jmp_rel32(jmp, pad, stub)))
        return false;
    if (code_writable(site, pad_end, true) != 0)
        return false;
    /* The jump in the padding first: the eb must never be seen before its target exists. */
    bool done = false;
    if (state == PAD_JMP || patch_bytes(pad, was, jmp, 5)) {
        const uint8_t short_jmp[2] = {0xeb, (uint8_t)(pad - (site + 2))};
        done = patch_bytes(site, orig, short_jmp, 2);
    }
    vm_mark_patched_locked(vm, site, pad_end); /* the padding may be patched even if not done */
    code_writable(site, pad_end, false);
    return done;
}

void fastpath_try_rewrite(uint64_t rip, long nr)
{
    static const uint8_t syscall_insn[2] = {0x0f, 0x05}, xor_eax[2] = {0x31, 0xc0};
    /* The stub stores rip as a sign-extended imm32. */
    if (!fastpath_enabled || rip < 7 || rip >= (1ULL << 31) || nr < 0 || nr > 0xffff)
        return;
    struct vm_space *vm = current_process()->vm;
    vm_lock(vm);
    if (!rewrite_mov_site(vm, rip, (uint32_t)nr) &&
        !rewrite_via_padding(vm, rip, rip - 2, syscall_insn, STUB_ANY) && nr == 0)
        rewrite_via_padding(vm, rip, rip - 4, xor_eax, STUB_XOR);
    vm_unlock(vm);
}
