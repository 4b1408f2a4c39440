/*
 * Conformance: changing a file's mode, times and owner where the files are the host's.
 *
 * Usage: hostfs_attr DIR, a writable directory: natively a directory of the host, inside the
 * enclave a hostfs mount of one (test/run_tests.sh makes both; @HOSTDIR@ in tests.list). The
 * test makes its own files in DIR (removing leftovers of an earlier run first) and removes
 * them at the end. What it does is what cp -a, tar x, chmod +x, touch -d and python's
 * shutil.copy2 do: chmod/fchmod/fchmodat, utimensat (explicit times, UTIME_NOW, UTIME_OMIT,
 * AT_SYMLINK_NOFOLLOW on a symlink), futimens, utimes, utime, and chown to the owner the
 * file already has, each checked with a stat afterwards.
 *
 * One answer differs by design: a chown to another uid. Inside, hostfs files belong to the
 * host user and the LibOS's uids are not the host's, so it is EPERM; natively it succeeds for
 * root and is EPERM for anyone else. The test reads /proc/self/mounts to know which case it
 * is in (DIR on a "hostfs" mount or not), so its output is the same in every case.
 */
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static char dir[256];

static const char *at(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
    return b;
}

static int mode_of(const char *path)
{
    struct stat st;

    return lstat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

static int times_are(const char *path, time_t as, long ans, time_t ms, long mns)
{
    struct stat st;

    return lstat(path, &st) == 0 && st.st_atim.tv_sec == as && st.st_atim.tv_nsec == ans &&
           st.st_mtim.tv_sec == ms && st.st_mtim.tv_nsec == mns;
}

/* The type of the mount holding dir, from /proc/self/mounts (the longest matching target). */
static int on_hostfs(void)
{
    char line[1024], target[512], type[64], best[64] = "";
    size_t best_len = 0;
    FILE *f = fopen("/proc/self/mounts", "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        size_t n;

        if (sscanf(line, "%*s %511s %63s", target, type) != 2)
            continue;
        n = strlen(target);
        if (strncmp(dir, target, n) == 0 && (dir[n] == '/' || dir[n] == '\0' || n == 1) &&
            n >= best_len) {
            best_len = n;
            snprintf(best, sizeof(best), "%s", type);
        }
    }
    fclose(f);
    return strcmp(best, "hostfs") == 0;
}

static void clean(void)
{
    unlink(at("f"));
    unlink(at("g"));
    unlink(at("u"));
    rmdir(at("ud"));
    unlink(at("l"));
    rmdir(at("d"));
}

static void test_chmod(void)
{
    int fd;

    section_begin("chmod");
    fd = open(at("f"), O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "#!/bin/sh\n", 10) == 10);
    CHECK_OK(chmod(at("f"), 0640));
    CHECK(mode_of(at("f")) == 0640);
    CHECK_OK(fchmod(fd, 0755)); /* chmod +x of a generated script */
    CHECK(mode_of(at("f")) == 0755);
    CHECK_OK(fchmodat(AT_FDCWD, at("f"), 0604, 0));
    CHECK(mode_of(at("f")) == 0604);
    CHECK_OK(close(fd));
    CHECK_OK(mkdir(at("d"), 0700));
    CHECK_OK(chmod(at("d"), 0711));
    CHECK(mode_of(at("d")) == 0711);
    CHECK_OK(symlink("f", at("l")));
    CHECK_OK(chmod(at("l"), 0644)); /* follows the link */
    CHECK(mode_of(at("f")) == 0644);
    CHECK_ERR(chmod(at("missing"), 0644), ENOENT);
    section_end();
}

static void test_times(void)
{
    struct timespec ts[2] = {{1000000000, 123456789}, {1200000000, 500000000}};
    struct timeval tv[2] = {{1100000000, 250000}, {1150000000, 750000}};
    struct utimbuf ub = {1111111111, 1222222222};
    struct stat st;
    time_t t0, t1;
    int fd;

    section_begin("utimensat");
    CHECK_OK(utimensat(AT_FDCWD, at("f"), ts, 0));
    CHECK(times_are(at("f"), 1000000000, 123456789, 1200000000, 500000000));
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1] = (struct timespec){1300000000, 0};
    CHECK_OK(utimensat(AT_FDCWD, at("f"), ts, 0));
    CHECK(times_are(at("f"), 1000000000, 123456789, 1300000000, 0));
    t0 = time(NULL);
    ts[0] = (struct timespec){0, UTIME_NOW};
    ts[1] = (struct timespec){5, UTIME_OMIT};
    CHECK_OK(utimensat(AT_FDCWD, at("f"), ts, 0));
    t1 = time(NULL);
    CHECK_OK(lstat(at("f"), &st));
    /* time(2) may read a coarse clock, up to a second behind */
    CHECK(st.st_atim.tv_sec >= t0 - 1 && st.st_atim.tv_sec <= t1 + 1);
    CHECK(st.st_mtim.tv_sec == 1300000000 && st.st_mtim.tv_nsec == 0);
    CHECK_OK(utimensat(AT_FDCWD, at("f"), NULL, 0));
    CHECK_OK(lstat(at("f"), &st));
    CHECK(st.st_mtim.tv_sec >= t0 - 1 && st.st_mtim.tv_sec <= time(NULL) + 1);
    ts[0] = (struct timespec){1, 1000000000};
    CHECK_ERR(utimensat(AT_FDCWD, at("f"), ts, 0), EINVAL);
    section_end();

    section_begin("futimens utimes utime");
    fd = open(at("f"), O_RDONLY);
    CHECK(fd >= 0);
    ts[0] = (struct timespec){1400000000, 1};
    ts[1] = (struct timespec){1400000001, 2};
    CHECK_OK(futimens(fd, ts));
    CHECK(times_are(at("f"), 1400000000, 1, 1400000001, 2));
    CHECK_OK(close(fd));
    CHECK_OK(utimes(at("f"), tv));
    CHECK(times_are(at("f"), 1100000000, 250000000, 1150000000, 750000000));
    CHECK_OK(utime(at("f"), &ub));
    CHECK(times_are(at("f"), 1111111111, 0, 1222222222, 0));
    ts[0] = (struct timespec){1500000000, 0};
    ts[1] = (struct timespec){1500000000, 0};
    CHECK_OK(utimensat(AT_FDCWD, at("d"), ts, 0));
    CHECK(times_are(at("d"), 1500000000, 0, 1500000000, 0));
    section_end();

    section_begin("symlink times");
    ts[0] = (struct timespec){1600000000, 0};
    ts[1] = (struct timespec){1600000001, 0};
    CHECK_OK(utimensat(AT_FDCWD, at("l"), ts, AT_SYMLINK_NOFOLLOW));
    CHECK(times_are(at("l"), 1600000000, 0, 1600000001, 0));
    CHECK(times_are(at("f"), 1111111111, 0, 1222222222, 0)); /* the target is unchanged */
    ts[1] = (struct timespec){1700000000, 0};
    CHECK_OK(utimensat(AT_FDCWD, at("l"), ts, 0)); /* follows */
    CHECK(times_are(at("f"), 1600000000, 0, 1700000000, 0));
    section_end();
}

static void test_chown(void)
{
    struct stat st;
    int fd, hostfs = on_hostfs();

    section_begin("chown");
    CHECK_OK(lstat(at("f"), &st));
    CHECK_OK(chown(at("f"), st.st_uid, st.st_gid)); /* to what it already is */
    CHECK_OK(chown(at("f"), (uid_t)-1, (gid_t)-1));
    CHECK_OK(lchown(at("l"), (uid_t)-1, st.st_gid));
    fd = open(at("f"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK_OK(fchown(fd, st.st_uid, (gid_t)-1));
    CHECK_OK(close(fd));
    if (hostfs || geteuid() != 0) {
        CHECK_ERR(chown(at("f"), st.st_uid + 1, (gid_t)-1), EPERM);
        CHECK_ERR(chown(at("f"), (uid_t)-1, st.st_gid + 1), EPERM);
    } else { /* natively as root: it succeeds; put the owner back */
        CHECK_OK(chown(at("f"), st.st_uid + 1, st.st_gid + 1));
        CHECK_OK(chown(at("f"), st.st_uid, st.st_gid));
    } /* (as many checks on each leg: the summary line is compared) */
    CHECK_OK(lstat(at("f"), &st));
    CHECK(mode_of(at("f")) == 0644);
    section_end();
}

/* What shutil.copy2 / cp -p do: write a copy, then its mode and times. */
static void test_copy(void)
{
    struct timespec ts[2] = {{1234567890, 0}, {1234567891, 0}};
    char buf[16];
    int fd;

    section_begin("copy with attributes");
    fd = open(at("g"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "data", 4) == 4);
    CHECK_OK(fchmod(fd, 0751));
    CHECK_OK(futimens(fd, ts));
    CHECK_OK(close(fd));
    CHECK(mode_of(at("g")) == 0751);
    CHECK(times_are(at("g"), 1234567890, 0, 1234567891, 0));
    fd = open(at("g"), O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 4 && memcmp(buf, "data", 4) == 0);
    CHECK_OK(close(fd));
    section_end();
}

/* New files get the mode asked for, less the process's umask: nothing more is taken away. */
static void test_create_mode(void)
{
    section_begin("creation mode and umask");
    mode_t old = umask(0);
    int fd = open(at("u"), O_WRONLY | O_CREAT | O_EXCL, 0666);
    CHECK(fd >= 0);
    CHECK_OK(close(fd));
    CHECK(mode_of(at("u")) == 0666);
    CHECK_OK(mkdir(at("ud"), 0777));
    CHECK(mode_of(at("ud")) == 0777);
    CHECK_OK(unlink(at("u")));
    CHECK_OK(rmdir(at("ud")));
    umask(027);
    fd = open(at("u"), O_WRONLY | O_CREAT | O_EXCL, 0666);
    CHECK(fd >= 0);
    CHECK_OK(close(fd));
    CHECK(mode_of(at("u")) == 0640);
    umask(old);
    section_end();
}

int main(int argc, char **argv)
{
    if (argc != 2 || strlen(argv[1]) >= sizeof(dir) - 16) {
        fprintf(stderr, "usage: hostfs_attr DIR\n");
        return 2;
    }
    if (argv[1][0] != '/') {
        if (!getcwd(dir, sizeof(dir) - strlen(argv[1]) - 2))
            return 2;
        strcat(dir, "/");
    }
    strcat(dir, argv[1]);
    clean();
    test_chmod();
    test_times();
    test_chown();
    test_copy();
    test_create_mode();
    clean();
    CHECK(access(at("f"), F_OK) == -1 && access(at("d"), F_OK) == -1);
    return check_summary("hostfs_attr");
}
