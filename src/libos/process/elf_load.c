/*
 * The ELF loader for x86-64 executables: static (ET_EXEC), static-pie and PIE (ET_DYN), and
 * dynamically linked ones, whose PT_INTERP interpreter (ld.so) is loaded beside them and
 * started instead (AT_BASE tells it where it is; it maps the libraries itself, through the
 * LibOS's open and mmap).
 *
 * A non-PIE program goes at its link address, which must fall inside the user range
 * (DESIGN.md, Memory). A PIE goes wherever the user range has room. The whole span of the
 * PT_LOAD segments is reserved PROT_NONE, then each segment is mapped over it from the file
 * with its own protection; pages between segments stay PROT_NONE. Every header field is checked before it is used: a bad file
 * is -ENOEXEC with a log line naming the file and the problem.
 */
#include "fs/fs.h"
#include "occlum/abi.h"
#include "mm/mm.h"
#include "process/spawn.h"
#include "uapi/elf.h"
#include "uapi/errno.h"
#include "util/log.h"
#include "util/printf.h"
#include "util/string.h"

#define MAX_PHDRS 64

static int bad_elf(struct elf_image *img, const char *path, const char *why)
{
    snprintf(img->why, sizeof(img->why), "cannot execute %s: %s", path, why);
    log_info("%s", img->why);
    return -ENOEXEC;
}

static int seg_prot(uint32_t pf)
{
    return (pf & PF_R ? PROT_READ : 0) | (pf & PF_W ? PROT_WRITE : 0) |
           (pf & PF_X ? PROT_EXEC : 0);
}

static int check_header(struct elf_image *img, const char *path, const Elf64_Ehdr *eh, ssize_t got)
{
    if (got < 4 || memcmp(eh->e_ident, ELFMAG, 4))
        return bad_elf(img, path, "not an ELF file");
    if (got < (ssize_t)sizeof(*eh))
        return bad_elf(img, path, "truncated ELF header");
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB)
        return bad_elf(img, path, "not a 64-bit little-endian ELF");
    if (eh->e_machine != EM_X86_64)
        return bad_elf(img, path, "not an x86-64 program");
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return bad_elf(img, path, "not an executable (ELF type is neither EXEC nor DYN)");
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHDRS)
        return bad_elf(img, path, "bad program header table size");
    return 0;
}

/* Checks the segments and returns the span [lo, hi) they cover, page aligned. */
static int check_segments(struct elf_image *img, const char *path, const Elf64_Phdr *ph, int n,
                          uint64_t file_size, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (int i = 0; i < n; i++) {
        if (ph[i].p_type == PT_INTERP &&
            (ph[i].p_filesz < 2 || ph[i].p_filesz > PATH_MAX || ph[i].p_offset > file_size ||
             ph[i].p_filesz > file_size - ph[i].p_offset))
            return bad_elf(img, path, "bad PT_INTERP");
        if (ph[i].p_type != PT_LOAD)
            continue;
        const Elf64_Phdr *p = &ph[i];
        if (p->p_filesz > p->p_memsz || p->p_offset > file_size ||
            p->p_filesz > file_size - p->p_offset)
            return bad_elf(img, path, "a segment lies outside the file");
        if (range_wraps(p->p_vaddr, p->p_memsz) || p->p_memsz > (1ULL << 40))
            return bad_elf(img, path, "a segment's address range is invalid");
        if (p->p_align > 1 && (p->p_vaddr - p->p_offset) % PAGE_SIZE)
            return bad_elf(img, path, "a segment is misaligned with its file offset");
        *lo = MIN(*lo, ALIGN_DOWN(p->p_vaddr, PAGE_SIZE));
        *hi = MAX(*hi, ALIGN_UP(p->p_vaddr + p->p_memsz, PAGE_SIZE));
    }
    if (*hi == 0)
        return bad_elf(img, path, "no loadable segment");
    return 0;
}

/*
 * Maps one PT_LOAD segment at bias + p_vaddr over the span reserved for it: its file bytes
 * from the file (private), the rest of its memory size as zero pages. Bytes of the last file
 * page past p_filesz are zeroed when the segment goes on in memory (they start its .bss).
 */
static int map_segment(struct vm_space *vm, struct file *f, uint64_t bias, const Elf64_Phdr *p)
{
    int prot = seg_prot(p->p_flags);
    uint64_t start = ALIGN_DOWN(bias + p->p_vaddr, PAGE_SIZE);
    uint64_t file_end = bias + p->p_vaddr + p->p_filesz;
    uint64_t file_pages_end = ALIGN_UP(file_end, PAGE_SIZE);
    uint64_t mem_end = ALIGN_UP(bias + p->p_vaddr + p->p_memsz, PAGE_SIZE);
    bool zero_tail = p->p_memsz > p->p_filesz && file_end < file_pages_end;
    long at;

    if (p->p_filesz) {
        /* A tail to zero needs the page writable for a moment. */
        int map_prot = zero_tail ? prot | PROT_WRITE : prot;
        at = vm_mmap(vm, start, file_pages_end - start, map_prot, MAP_PRIVATE | MAP_FIXED, f,
                     ALIGN_DOWN(p->p_offset, PAGE_SIZE));
        if (at < 0)
            return (int)at;
        if (zero_tail) {
            memset((void *)file_end, 0, file_pages_end - file_end);
            if (map_prot != prot) {
                int rc = vm_mprotect(vm, start, file_pages_end - start, prot);
                if (rc)
                    return rc;
            }
        }
    } else {
        file_pages_end = start;
    }
    if (mem_end > file_pages_end) {
        at = vm_mmap(vm, file_pages_end, mem_end - file_pages_end, prot,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
        if (at < 0)
            return (int)at;
    }
    return 0;
}

/* One loaded ELF object: where it went and what the loader needs of it. */
struct loaded_object {
    uint64_t bias;  /* load address minus link address */
    uint64_t entry;
    uint64_t phdr, phnum;
    uint64_t end;   /* page-aligned end of its segments */
    char *interp;   /* PT_INTERP path (kmalloc'd), NULL if none */
};

/*
 * Loads one object: the program (`is_interp` false) or its interpreter (true, which must be
 * a shared object without an interpreter of its own).
 */
static int load_object(struct vm_space *vm, const char *path, bool is_interp,
                       struct elf_image *img, struct loaded_object *obj)
{
    struct file *f;
    int rc = vfs_open_kernel(path, O_RDONLY, &f);
    if (rc)
        return rc;
    struct stat st;
    Elf64_Ehdr eh;
    Elf64_Phdr *ph = NULL;
    rc = file_stat(f, &st);
    if (rc)
        goto out;
    if (!S_ISREG(st.st_mode)) {
        rc = -EACCES;
        goto out;
    }
    ssize_t got = file_pread(f, &eh, sizeof(eh), 0);
    if (got < 0) {
        rc = (int)got;
        goto out;
    }
    rc = check_header(img, path, &eh, got);
    if (rc)
        goto out;
    if (is_interp && eh.e_type != ET_DYN) {
        rc = bad_elf(img, path, "the interpreter is not a shared object");
        goto out;
    }
    size_t ph_size = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (eh.e_phoff > (uint64_t)st.st_size || ph_size > (uint64_t)st.st_size - eh.e_phoff) {
        rc = bad_elf(img, path, "program headers lie outside the file");
        goto out;
    }
    ph = kmalloc(ph_size);
    if (!ph) {
        rc = -ENOMEM;
        goto out;
    }
    if (file_pread(f, ph, ph_size, eh.e_phoff) != (ssize_t)ph_size) {
        rc = bad_elf(img, path, "cannot read the program headers");
        goto out;
    }
    uint64_t lo, hi;
    rc = check_segments(img, path, ph, eh.e_phnum, (uint64_t)st.st_size, &lo, &hi);
    if (rc)
        goto out;
    obj->interp = NULL;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_INTERP)
            continue;
        if (is_interp) {
            rc = bad_elf(img, path, "the interpreter has an interpreter itself");
            goto out;
        }
        obj->interp = kmalloc(ph[i].p_filesz + 1);
        if (!obj->interp) {
            rc = -ENOMEM;
            goto out;
        }
        if (file_pread(f, obj->interp, ph[i].p_filesz, ph[i].p_offset) !=
            (ssize_t)ph[i].p_filesz) {
            rc = bad_elf(img, path, "cannot read PT_INTERP");
            goto out;
        }
        obj->interp[ph[i].p_filesz] = '\0';
        if (strlen(obj->interp) != ph[i].p_filesz - 1 || obj->interp[0] != '/') {
            rc = bad_elf(img, path, "PT_INTERP is not an absolute path");
            goto out;
        }
        break;
    }

    /* The whole span is reserved first (PROT_NONE: gaps between segments stay
     * inaccessible), at the link address for ET_EXEC, and each segment is then mapped over it
     * from the file. Pages kept from an earlier run of the same file that still hold its bytes
     * are taken as they are (mm/retained.c), so a program started again is not copied again:
     * the reservation goes where they are, and the segments adopt them. */
    const Elf64_Phdr *first = NULL; /* check_segments found one */
    for (int i = 0; i < eh.e_phnum && !first; i++)
        if (ph[i].p_type == PT_LOAD)
            first = &ph[i];
    uint64_t first_page = ALIGN_DOWN(first->p_vaddr, PAGE_SIZE);
    uint64_t span_off = ALIGN_DOWN(first->p_offset, PAGE_SIZE);
    span_off -= MIN(span_off, first_page - lo); /* lo is first_page unless unsorted */
    uint64_t bias = 0;
    long at;
    if (eh.e_type == ET_EXEC) {
        at = vm_reserve_image(vm, lo, hi - lo, true, f, span_off);
        if (at < 0) {
            snprintf(img->why, sizeof(img->why),
                     "cannot load %s at its link address %#llx-%#llx: %s", path,
                     (unsigned long long)lo, (unsigned long long)hi,
                     at == -EEXIST ? "the range is in use"
                                   : "outside the enclave's user range (user_space_size)");
            log_info("%s", img->why);
            rc = at == -EEXIST ? -EEXIST : -ENOEXEC;
            goto out;
        }
    } else {
        /* A PIE program goes low in the user range, so that the program break can grow above
         * it while other mappings come from the top down (Linux keeps the same distance with
         * its ELF_ET_DYN_BASE). An interpreter goes wherever mmap would put it. */
        uint64_t hint =
            is_interp ? 0 : ALIGN_UP(user_range_base() + user_range_size() / 8, 2UL << 20);
        at = vm_reserve_image(vm, hint, hi - lo, false, f, span_off);
        if (at < 0) {
            rc = (int)at;
            goto out;
        }
        bias = (uint64_t)at - lo;
    }

    for (int i = 0; i < eh.e_phnum && !rc; i++) {
        if (ph[i].p_type == PT_LOAD)
            rc = map_segment(vm, f, bias, &ph[i]);
    }
    if (rc)
        goto out_unmap;

    vm_set_name(vm, bias + lo, hi - lo, path);
    obj->bias = bias;
    obj->entry = bias + eh.e_entry;
    obj->phnum = eh.e_phnum;
    obj->end = bias + hi;
    obj->phdr = 0;
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_PHDR)
            obj->phdr = bias + ph[i].p_vaddr;
    if (!obj->phdr) {
        /* No PT_PHDR: the headers are in memory if a segment maps that part of the file. */
        for (int i = 0; i < eh.e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && eh.e_phoff >= ph[i].p_offset &&
                eh.e_phoff + ph_size <= ph[i].p_offset + ph[i].p_filesz)
                obj->phdr = bias + ph[i].p_vaddr + (eh.e_phoff - ph[i].p_offset);
    }
    rc = 0;
    goto out;
out_unmap:
    vm_munmap(vm, bias + lo, hi - lo);
out:
    if (rc) {
        kfree(obj->interp);
        obj->interp = NULL;
    }
    kfree(ph);
    file_put(f);
    return rc;
}

int elf_load(struct vm_space *vm, const char *path, struct elf_image *img)
{
    struct loaded_object prog = {0}, interp = {0};
    int rc = load_object(vm, path, false, img, &prog);
    if (rc)
        return rc;
    img->entry = img->prog_entry = prog.entry;
    img->phdr = prog.phdr;
    img->phnum = prog.phnum;
    img->brk_start = prog.end;
    img->base = 0;
    if (prog.interp) {
        rc = load_object(vm, prog.interp, true, img, &interp);
        if (rc == -ENOENT || rc == -ENOTDIR) {
            snprintf(img->why, sizeof(img->why), "cannot execute %s: its interpreter %s is "
                     "not in the image (occlum add copies it)", path, prog.interp);
            log_info("%s", img->why);
            rc = -ENOEXEC;
        }
        kfree(prog.interp);
        if (rc)
            return rc; /* the caller drops the whole address space */
        img->entry = interp.entry;
        img->base = interp.bias;
    }
    return 0;
}
