/*
 * The syscall fast path: rewriting trapped syscall sites.
 *
 * libc wrappers issue most system calls as
 *
 *     site:      b8 NN NN NN NN      mov $nr, %eax
 *     site+5:    0f 05               syscall
 *
 * After such a site has trapped once (Syscall User Dispatch: a host SIGSYS, ~1.6 us), its
 * five-byte `mov` is replaced by `jmp stub` (e9 rel32). The stub, one per (site, nr), does
 * what the trap would have done, without the host:
 *
 *     mov   $nr, %eax
 *     movb  $0, %gs:TCS_IN_GUEST               the LibOS owns the thread from here
 *     movq  $site+7, %gs:TCS_SSA+REGS_RIP      where the syscall returns to
 *     jmp   *%gs:TCS_FAST_ENTRY                libos_fast_syscall (arch/entry.S)
 *
 * The `syscall` bytes stay, so code that jumps straight to them still traps and works.
 * The 5-byte store is one atomic 16-byte compare-and-swap of the aligned block that holds it
 * (sites that straddle two blocks are left alone), while the page is briefly writable, so a
 * thread running the same code sees either the old or the new instruction.
 *
 * Stubs live in one area of the user range owned by no process, reachable from every site
 * with a rel32 jump (the whole user range is within 2 GiB); a stub depends only on (site,
 * nr), so a later process with the same code at the same address reuses it. Stubs are never
 * freed; when the area is full, sites simply stay on the trap path.
 *
 * Sites of other shapes (glibc's read is `xor %eax, %eax; syscall`, 4 bytes; syscall(2)
 * takes the number from a register) keep trapping.
 *
 * Locking: fastpath_lock guards the stub table and area; the rewriting holds the process's
 * vm lock so that the page cannot change under it.
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

struct stub_key {
    uint64_t site_after; /* 0: empty slot */
    uint32_t nr;
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

/* Writes a stub for (site_after, nr) at `at` (its page is made writable around it). */
static bool write_stub(uint64_t at, uint64_t site_after, uint32_t nr)
{
    uint8_t code[STUB_SIZE];
    size_t n = 0;
    code[n++] = 0xb8; /* mov $nr, %eax */
    memcpy(code + n, &nr, 4), n += 4;
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

/* The stub for (site_after, nr), made if needed; 0 if there is none to be had. */
static uint64_t stub_for(uint64_t site_after, uint32_t nr)
{
    uint64_t found = 0;
    spin_lock(&fastpath_lock);
    uint32_t h = (uint32_t)((site_after * 0x9e3779b97f4a7c15ULL) >> 40) ^ nr;
    for (uint32_t probe = 0; probe < 64; probe++) {
        struct stub_key *k = &table[(h + probe) & (STUB_TABLE - 1)];
        if (k->site_after == site_after && k->nr == nr) {
            found = stub_base + (uint64_t)k->index * STUB_SIZE;
            break;
        }
        if (k->site_after == 0) {
            if ((uint64_t)stubs_used * STUB_SIZE >= STUB_AREA)
                break;
            uint64_t at = stub_base + (uint64_t)stubs_used * STUB_SIZE;
            if (!write_stub(at, site_after, nr))
                break;
            *k = (struct stub_key){site_after, nr, stubs_used++};
            found = at;
            break;
        }
    }
    spin_unlock(&fastpath_lock);
    return found;
}

/* lock cmpxchg16b on the 16-byte aligned `addr`: stores `new` if it still holds `old`. */
static void cmpxchg16(uint64_t addr, const uint64_t old[2], const uint64_t new[2])
{
    uint64_t lo = old[0], hi = old[1];
    __asm__ volatile("lock cmpxchg16b %0"
                     : "+m"(*(volatile uint64_t(*)[2])addr), "+a"(lo), "+d"(hi)
                     : "b"(new[0]), "c"(new[1])
                     : "memory", "cc");
}

void fastpath_try_rewrite(uint64_t rip, long nr)
{
    if (!fastpath_enabled || rip < 7 || nr < 0 || nr > 0xffff)
        return;
    uint64_t site = rip - 7;
    if ((site & 15) > 11 || rip >= (1ULL << 31))
        return; /* the 5 bytes must sit in one aligned 16 bytes; the stub stores rip as imm32 */
    struct vm_space *vm = current_process()->vm;
    uint64_t block = ALIGN_DOWN(site, 16), page = ALIGN_DOWN(site, PAGE_SIZE);
    if (ALIGN_DOWN(site + 6, PAGE_SIZE) != page)
        return;
    vm_lock(vm);
    /* Only ordinary code pages: readable and executable, not writable. */
    bool ok = vm_range_ok_locked(vm, page, PAGE_SIZE, PROT_READ | PROT_EXEC) &&
              !vm_range_ok_locked(vm, page, PAGE_SIZE, PROT_WRITE);
    uint8_t b[7];
    if (ok) {
        memcpy(b, (const void *)site, sizeof(b)); /* mapped readable: checked above */
        uint32_t imm;
        memcpy(&imm, b + 1, 4);
        ok = b[0] == 0xb8 && b[5] == 0x0f && b[6] == 0x05 && imm == (uint32_t)nr;
    }
    uint64_t stub = ok ? stub_for(rip, (uint32_t)nr) : 0;
    if (stub) {
        int64_t rel = (int64_t)stub - (int64_t)(site + 5);
        if (rel == (int32_t)rel &&
            host_mem_commit(page, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC) == 0) {
            /* One 16-byte compare-and-swap: the other bytes of the block are rewritten with
             * their own values, so a concurrent change to them makes it fail harmlessly. */
            uint64_t old[2], new[2];
            memcpy(old, (const void *)block, 16);
            memcpy(new, old, 16);
            uint8_t *nb = (uint8_t *)new + (site - block);
            nb[0] = 0xe9;
            int32_t r32 = (int32_t)rel;
            memcpy(nb + 1, &r32, 4);
            if (memcmp((uint8_t *)old + (site - block), b, 5) == 0)
                cmpxchg16(block, old, new);
            host_mem_commit(page, PAGE_SIZE, PROT_READ | PROT_EXEC);
        }
    }
    vm_unlock(vm);
}
