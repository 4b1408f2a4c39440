/*
 * The ELF loader for x86-64 executables: static (ET_EXEC), static-pie and PIE (ET_DYN), and
 * dynamically linked ones, whose PT_INTERP interpreter (ld.so) is loaded beside them and
 * started instead (AT_BASE tells it where it is; it maps the libraries itself, through the
 * LibOS's open and mmap).
 *
 * A non-PIE program goes at its link address, which must fall inside the user range
 * (DESIGN.md, Memory). A PIE goes wherever the user range has room. The whole span of the
 * PT_LOAD segments is mapped read-write first, each segment's file bytes are read into place
 * (the rest is already zero), and then each segment gets its own protection; pages between
 * segments are left PROT_NONE. Every header field is checked before it is used: a bad file
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

    /* Reserve the whole span read-write, at the link address for ET_EXEC. */
    uint64_t bias = 0;
    long at;
    if (eh.e_type == ET_EXEC) {
        at = vm_mmap(vm, lo, hi - lo, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0);
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
        at = vm_mmap(vm, hint, hi - lo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     NULL, 0);
        if (at < 0) {
            rc = (int)at;
            goto out;
        }
        bias = (uint64_t)at - lo;
    }

    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || ph[i].p_filesz == 0)
            continue;
        got = file_pread(f, (void *)(bias + ph[i].p_vaddr), ph[i].p_filesz, ph[i].p_offset);
        if (got != (ssize_t)ph[i].p_filesz) {
            rc = got < 0 ? (int)got : bad_elf(img, path, "short read of a segment");
            goto out_unmap;
        }
    }
    /* Protections: the gaps first, then each segment in order (a page two segments share
     * ends with the later one's protection, as ld.so leaves it). */
    rc = vm_mprotect(vm, bias + lo, hi - lo, PROT_NONE);
    for (int i = 0; i < eh.e_phnum && !rc; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t s = ALIGN_DOWN(bias + ph[i].p_vaddr, PAGE_SIZE);
        uint64_t e = ALIGN_UP(bias + ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE);
        rc = vm_mprotect(vm, s, e - s, seg_prot(ph[i].p_flags));
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
