/*
 * Creating a `sim` enclave: reserve the enclave range at ENCLAVE_BASE, load the LibOS image,
 * the enclave info page and the resolved config into it, lay out the heap and the thread
 * slots (include/occlum/abi.h), and measure everything as it is added.
 *
 * The measurement follows SGX's MRENCLAVE: a SHA-256 over, for every page added in load
 * order, a 64-byte EADD record (tag, offset from the enclave base, permissions), followed for
 * pages with measured contents by EEXTEND records of the page's bytes. Heap, stack and TCS
 * pages start zero-filled and have no contents to measure: each such range is one EZERO
 * record naming its offset, page count and permissions, which binds the layout as tightly
 * as a record per page and keeps start-up independent of the heap's size. The user range is
 * not added at all (it is committed dynamically, as with SGX2's EDMM).
 *
 *   EADD record (64 bytes):     "EADD\0\0\0\0" | offset u64 | flags u64 (PROT_*) | 40 zero bytes
 *   EEXTEND record (64 bytes):  "EEXTEND\0"    | offset u64 | 48 zero bytes, then 4096 bytes
 *   EZERO record (64 bytes):    "EZERO\0\0\0"  | offset u64 | flags u64 | pages u64 | 32 zero
 */
#include "enclave.h"
#include "occlum/log_level.h"
#include "sha256.h"
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

struct measure {
    struct sha256 sha;
    uint64_t base;
};

/* A range of zero-filled pages: one record. */
static void measure_zero(struct measure *m, uint64_t addr, uint64_t npages, int prot)
{
    uint8_t rec[64] = "EZERO";
    uint64_t off = addr - m->base, flags = (uint64_t)prot;
    memcpy(rec + 8, &off, 8);
    memcpy(rec + 16, &flags, 8);
    memcpy(rec + 24, &npages, 8);
    sha256_update(&m->sha, rec, sizeof(rec));
}

/* Pages with contents: an EADD and an EEXTEND record each, then the bytes. */
static void measure_add(struct measure *m, uint64_t addr, uint64_t npages, int prot)
{
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t page = addr + i * PAGE_SIZE;
        uint8_t rec[64] = "EADD";
        uint64_t off = page - m->base, flags = (uint64_t)prot;
        memcpy(rec + 8, &off, 8);
        memcpy(rec + 16, &flags, 8);
        sha256_update(&m->sha, rec, sizeof(rec));
        uint8_t ext[64] = "EEXTEND";
        memcpy(ext + 8, &off, 8);
        sha256_update(&m->sha, ext, sizeof(ext));
        sha256_update(&m->sha, (const void *)page, PAGE_SIZE);
    }
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "occlum: error: cannot open %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *size = (size_t)st.st_size;
    *data = malloc(*size ? *size : 1);
    ssize_t n = *data ? read(fd, *data, *size) : -1;
    close(fd);
    if (n != (ssize_t)*size) {
        fprintf(stderr, "occlum: error: cannot read %s\n", path);
        free(*data);
        return -1;
    }
    return 0;
}

/* Checks the LibOS image and returns the page-aligned size its PT_LOAD segments span. */
static int check_libos_elf(const uint8_t *img, size_t size, const char *path, uint64_t *span)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_DYN ||
        eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr)) {
        fprintf(stderr, "occlum: error: %s is not a LibOS image\n", path);
        return -1;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
    uint64_t end = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset ||
            ph[i].p_filesz > ph[i].p_memsz || ph[i].p_vaddr % PAGE_SIZE != ph[i].p_offset % PAGE_SIZE) {
            fprintf(stderr, "occlum: error: %s: bad segment %d\n", path, i);
            return -1;
        }
        if (ph[i].p_vaddr + ph[i].p_memsz > end)
            end = ph[i].p_vaddr + ph[i].p_memsz;
    }
    *span = ALIGN_UP(end, PAGE_SIZE);
    return 0;
}

static int prot_of(uint32_t pf)
{
    return (pf & PF_R ? PROT_READ : 0) | (pf & PF_W ? PROT_WRITE : 0) |
           (pf & PF_X ? PROT_EXEC : 0);
}

int enclave_create(struct enclave *e, const char *libos_path, const struct host_config *cfg)
{
    uint8_t *img;
    size_t img_size;
    uint64_t img_span;
    if (read_file(libos_path, &img, &img_size) ||
        check_libos_elf(img, img_size, libos_path, &img_span))
        return -1;

    struct enclave_info *ei = &e->info;
    memset(e, 0, sizeof(*e));
    ei->magic = ENCLAVE_INFO_MAGIC;
    ei->enclave_base = ENCLAVE_BASE;
    ei->user_base = ENCLAVE_BASE;
    ei->user_size = ALIGN_UP(cfg->user_space_size, PAGE_SIZE);
    ei->image_base = ei->user_base + ei->user_size;
    uint64_t info_addr = ei->image_base + img_span;
    ei->config_base = info_addr + PAGE_SIZE;
    ei->config_size = ALIGN_UP(cfg->text_size, PAGE_SIZE);
    ei->heap_base = ei->config_base + ei->config_size;
    ei->heap_size = ALIGN_UP(cfg->kernel_heap_size, PAGE_SIZE);
    ei->libos_stack_size = ALIGN_UP(cfg->kernel_stack_size, PAGE_SIZE);
    ei->thread_slot_size = PAGE_SIZE + ei->libos_stack_size + TCS_SIZE;
    ei->num_threads = cfg->max_threads;
    ei->threads_base = ei->heap_base + ei->heap_size;
    ei->enclave_size = ei->threads_base + ei->num_threads * ei->thread_slot_size - ENCLAVE_BASE;

    void *at = mmap((void *)ENCLAVE_BASE, ei->enclave_size, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (at != (void *)ENCLAVE_BASE) {
        fprintf(stderr,
                "occlum: error: cannot reserve the enclave range %#lx-%#lx (%s); "
                "lower resource_limits.user_space_size or the heap and thread limits\n",
                ENCLAVE_BASE, ENCLAVE_BASE + ei->enclave_size,
                at == MAP_FAILED ? strerror(errno) : "address taken");
        if (at != MAP_FAILED)
            munmap(at, ei->enclave_size);
        free(img);
        return -1;
    }

    struct measure m = {.base = ENCLAVE_BASE};
    sha256_init(&m.sha);

    /* LibOS image: each segment's pages, contents measured, then its final permissions. */
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t start = ei->image_base + (ph[i].p_vaddr & ~(PAGE_SIZE - 1));
        uint64_t end = ALIGN_UP(ei->image_base + ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE);
        mprotect((void *)start, end - start, PROT_READ | PROT_WRITE);
        memcpy((void *)(ei->image_base + ph[i].p_vaddr), img + ph[i].p_offset, ph[i].p_filesz);
        int prot = prot_of(ph[i].p_flags);
        measure_add(&m, start, (end - start) / PAGE_SIZE, prot);
        mprotect((void *)start, end - start, prot);
    }
    uint64_t entry = ei->image_base + eh->e_entry;
    free(img);

    /* Enclave info page and config pages: read-only, contents measured. */
    mprotect((void *)info_addr, PAGE_SIZE + ei->config_size, PROT_READ | PROT_WRITE);
    memcpy((void *)info_addr, ei, sizeof(*ei));
    memcpy((void *)ei->config_base, cfg->text, cfg->text_size);
    measure_add(&m, info_addr, 1, PROT_READ);
    measure_add(&m, ei->config_base, ei->config_size / PAGE_SIZE, PROT_READ);
    mprotect((void *)info_addr, PAGE_SIZE + ei->config_size, PROT_READ);

    /* Heap, then each thread slot: a guard page, the LibOS stack, the TCS. */
    mprotect((void *)ei->heap_base, ei->heap_size, PROT_READ | PROT_WRITE);
    measure_zero(&m, ei->heap_base, ei->heap_size / PAGE_SIZE, PROT_READ | PROT_WRITE);
    for (uint64_t t = 0; t < ei->num_threads; t++) {
        uint64_t slot = ei->threads_base + t * ei->thread_slot_size;
        uint64_t rw = ei->libos_stack_size + TCS_SIZE;
        mprotect((void *)(slot + PAGE_SIZE), rw, PROT_READ | PROT_WRITE);
        measure_zero(&m, slot + PAGE_SIZE, rw / PAGE_SIZE, PROT_READ | PROT_WRITE);
        struct tcs *tcs = (struct tcs *)enclave_tcs_addr(ei, t);
        tcs->self = tcs;
        tcs->entry = entry;
        tcs->libos_stack_top = (uint64_t)tcs;
        tcs->index = t;
    }
    sha256_final(&m.sha, e->mrenclave);

    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->mrenclave[i]);
    host_log(LOG_INFO, "enclave %#lx-%#lx created, mrenclave %s", ENCLAVE_BASE,
             ENCLAVE_BASE + ei->enclave_size, hex);
    return 0;
}
