/*
 * What `occlum add` needs to know about an ELF file to copy what it loads: its kind, its
 * PT_INTERP interpreter, and the dynamic section's DT_NEEDED names, DT_RPATH, DT_RUNPATH and
 * DF_1_NODEFLIB. Only 64-bit little-endian x86-64 executables and shared objects (ET_EXEC,
 * ET_DYN) are parsed; anything else is reported as ELF_OTHER (nothing to load for it here).
 * Every offset read from the file is bounds-checked against its size: a malformed file is
 * ELF_BAD with a reason, never a crash.
 */
#ifndef OCCLUM_CLI_ELF_INFO_H
#define OCCLUM_CLI_ELF_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum elf_kind {
    ELF_NOT,   /* not an ELF file (no magic, or shorter than an ELF header) */
    ELF_OTHER, /* ELF, but not an x86-64 ELF64 executable or shared object */
    ELF_BAD,   /* looks like one, but a header or the dynamic section is malformed */
    ELF_OK,
};

struct elf_info {
    enum elf_kind kind;
    const char *bad_reason; /* ELF_BAD: static text saying what is wrong */
    uint16_t type;          /* ET_EXEC or ET_DYN (ELF_OK) */
    char *interp;           /* PT_INTERP path, or NULL */
    char **needed;          /* DT_NEEDED names, in order */
    size_t n_needed;
    char *rpath;   /* DT_RPATH string as stored (unexpanded), or NULL */
    char *runpath; /* DT_RUNPATH string, or NULL */
    bool nodeflib; /* DF_1_NODEFLIB: the default directories are not searched */
};

/*
 * Reads the ELF file at path (symlinks followed) into *info, whose strings are malloc()ed
 * (release with elf_info_free, whatever the result). Returns 0 with info->kind set, or -1
 * when the file cannot be opened or read (message printed).
 */
int elf_info_read(const char *path, struct elf_info *info);

/* Frees the strings of info and zeroes it. */
void elf_info_free(struct elf_info *info);

/* True if path is an x86-64 ELF64 executable or shared object (a candidate ld.so accepts). */
bool elf_is_loadable(const char *path);

#endif /* OCCLUM_CLI_ELF_INFO_H */
