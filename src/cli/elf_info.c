/*
 * ELF reader for `occlum add` (see elf_info.h). The file is mapped read-only; every range
 * taken from its headers is checked against the mapping before use (in_file()), so a
 * truncated or hostile file gives ELF_BAD. Addresses in the dynamic section (DT_STRTAB) are
 * link-time virtual addresses: they are turned into file offsets through the PT_LOAD
 * segments, as ld.so would find them in memory.
 */
#define _GNU_SOURCE
#include "elf_info.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define MAX_PHNUM 4096 /* far above any real file; bounds the header walk */

struct image {
    const unsigned char *base;
    size_t size;
};

static bool in_file(const struct image *im, uint64_t off, uint64_t len)
{
    return off <= im->size && len <= im->size - off;
}

/* The file offset of virtual address vaddr (len bytes must be backed by the file). */
static bool vaddr_to_off(const struct image *im, const Elf64_Phdr *ph, size_t phnum, uint64_t vaddr,
                         uint64_t len, uint64_t *off)
{
    for (size_t i = 0; i < phnum; i++) {
        if (ph[i].p_type != PT_LOAD || vaddr < ph[i].p_vaddr)
            continue;
        uint64_t delta = vaddr - ph[i].p_vaddr;
        if (delta >= ph[i].p_filesz || len > ph[i].p_filesz - delta)
            continue;
        *off = ph[i].p_offset + delta;
        return in_file(im, *off, len);
    }
    return false;
}

/* A NUL-terminated string at strtab[idx], strsz bytes long in all. */
static char *dyn_string(const struct image *im, uint64_t strtab, uint64_t strsz, uint64_t idx)
{
    if (idx >= strsz)
        return NULL;
    const char *s = (const char *)im->base + strtab + idx;
    size_t max = (size_t)(strsz - idx);
    size_t n = strnlen(s, max);
    if (n == max)
        return NULL;
    char *copy = strdup(s);
    if (!copy) {
        cli_error("out of memory");
        exit(1);
    }
    return copy;
}

static void bad(struct elf_info *info, const char *why)
{
    info->kind = ELF_BAD;
    info->bad_reason = why;
}

static void parse_dynamic(const struct image *im, const Elf64_Phdr *ph, size_t phnum,
                          const Elf64_Phdr *dynph, struct elf_info *info)
{
    if (!in_file(im, dynph->p_offset, dynph->p_filesz) || dynph->p_offset % 8) {
        bad(info, "the dynamic section lies outside the file");
        return;
    }
    const Elf64_Dyn *dyn = (const Elf64_Dyn *)(im->base + dynph->p_offset);
    size_t ndyn = dynph->p_filesz / sizeof(Elf64_Dyn);
    uint64_t strtab_va = 0, strsz = 0, strtab = 0;
    bool have_strtab = false;
    size_t n_needed = 0, end = ndyn;
    for (size_t i = 0; i < ndyn; i++) {
        if (dyn[i].d_tag == DT_NULL) {
            end = i;
            break;
        }
        if (dyn[i].d_tag == DT_STRTAB) {
            strtab_va = dyn[i].d_un.d_ptr;
            have_strtab = true;
        } else if (dyn[i].d_tag == DT_STRSZ) {
            strsz = dyn[i].d_un.d_val;
        } else if (dyn[i].d_tag == DT_NEEDED) {
            n_needed++;
        } else if (dyn[i].d_tag == DT_FLAGS_1) {
            info->nodeflib = (dyn[i].d_un.d_val & DF_1_NODEFLIB) != 0;
        }
    }
    if (!have_strtab) {
        if (n_needed)
            bad(info, "DT_NEEDED entries without a string table");
        return;
    }
    if (!vaddr_to_off(im, ph, phnum, strtab_va, strsz, &strtab)) {
        bad(info, "the dynamic string table lies outside the file");
        return;
    }
    info->needed = calloc(n_needed + 1, sizeof(char *));
    if (!info->needed) {
        cli_error("out of memory");
        exit(1);
    }
    for (size_t i = 0; i < end; i++) {
        char **slot = NULL;
        if (dyn[i].d_tag == DT_NEEDED)
            slot = &info->needed[info->n_needed];
        else if (dyn[i].d_tag == DT_RPATH && !info->rpath)
            slot = &info->rpath;
        else if (dyn[i].d_tag == DT_RUNPATH && !info->runpath)
            slot = &info->runpath;
        if (!slot)
            continue;
        if (!(*slot = dyn_string(im, strtab, strsz, dyn[i].d_un.d_val))) {
            bad(info, "a dynamic entry names a string outside the string table");
            return;
        }
        if (dyn[i].d_tag == DT_NEEDED)
            info->n_needed++;
    }
}

static void parse(const struct image *im, struct elf_info *info)
{
    if (im->size < sizeof(Elf64_Ehdr) || memcmp(im->base, ELFMAG, SELFMAG) != 0) {
        info->kind = ELF_NOT;
        return;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->base;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64 || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)) {
        info->kind = ELF_OTHER;
        return;
    }
    info->kind = ELF_OK;
    info->type = eh->e_type;
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum > MAX_PHNUM ||
        !in_file(im, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)) || eh->e_phoff % 8) {
        bad(info, "the program headers lie outside the file");
        return;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(im->base + eh->e_phoff);
    const Elf64_Phdr *dynph = NULL;
    for (size_t i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_DYNAMIC && !dynph) {
            dynph = &ph[i];
        } else if (ph[i].p_type == PT_INTERP && !info->interp) {
            if (!in_file(im, ph[i].p_offset, ph[i].p_filesz) || ph[i].p_filesz < 2 ||
                im->base[ph[i].p_offset + ph[i].p_filesz - 1] != '\0' ||
                strlen((const char *)im->base + ph[i].p_offset) != ph[i].p_filesz - 1) {
                bad(info, "PT_INTERP is not a NUL-terminated path inside the file");
                return;
            }
            info->interp = strdup((const char *)im->base + ph[i].p_offset);
            if (!info->interp) {
                cli_error("out of memory");
                exit(1);
            }
        }
    }
    if (dynph)
        parse_dynamic(im, ph, eh->e_phnum, dynph, info);
}

int elf_info_read(const char *path, struct elf_info *info)
{
    memset(info, 0, sizeof(*info));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        cli_error("%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        info->kind = ELF_NOT;
        return 0;
    }
    /* Most files met while adding a directory are not ELF: look at the magic first. */
    unsigned char magic[SELFMAG];
    if (pread(fd, magic, SELFMAG, 0) != SELFMAG || memcmp(magic, ELFMAG, SELFMAG) != 0) {
        close(fd);
        info->kind = ELF_NOT;
        return 0;
    }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        cli_error("%s: cannot map: %s", path, strerror(errno));
        return -1;
    }
    struct image im = {.base = base, .size = (size_t)st.st_size};
    parse(&im, info);
    munmap(base, im.size);
    return 0;
}

void elf_info_free(struct elf_info *info)
{
    free(info->interp);
    for (size_t i = 0; info->needed && i < info->n_needed; i++)
        free(info->needed[i]);
    free(info->needed);
    free(info->rpath);
    free(info->runpath);
    memset(info, 0, sizeof(*info));
}

bool elf_is_loadable(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    Elf64_Ehdr eh;
    ssize_t n = pread(fd, &eh, sizeof(eh), 0);
    close(fd);
    return n == (ssize_t)sizeof(eh) && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
           eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64 &&
           (eh.e_type == ET_DYN || eh.e_type == ET_EXEC);
}
