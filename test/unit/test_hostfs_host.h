/*
 * The helpers test_hostfs_host.c gives test_hostfs.c (prepare and inspect the host directory
 * behind the enclave's back, make the SETATTR handler lie). Only <stddef.h> types: both sides
 * include it, with headers that clash with each other.
 */
#ifndef TEST_HOSTFS_HOST_H
#define TEST_HOSTFS_HOST_H

#include <stddef.h>

const char *th_make_dir(void);
long th_read_file(const char *rel, char *buf, size_t len);
int th_mode(const char *rel);
long th_size(const char *rel);
int th_exists(const char *rel);
int th_count_fds(void);
void th_cleanup(void);
int th_times(const char *rel, long long t[4]);
int th_outside_times(long long t[4]);
int th_outside_mode(void);
void th_replace_by_link(const char *rel, int to_dir);
long long th_now(void);
void th_setattr_lies(long long ret);

#endif
