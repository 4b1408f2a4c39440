# Debian's coreutils changing files, one program per step: mkdir -p, cp -a, mv, ln -s, rm -r,
# then stat/ls/sha256sum/readlink to show the result. Without fork no shell can run a
# sequence, so this script spawns each command in a scratch directory under tempfile's
# directory (/tmp: ramfs inside). Usage: fsops.py TREE (a directory holding f1 (0640), f2,
# link -> f1, sub/f3). Prints each command's status and output (stderr included), all
# relative to the scratch directory, so native and enclave outputs match.
import os
import shutil
import subprocess
import sys
import tempfile

tree = sys.argv[1]
d = tempfile.mkdtemp()


def run(*argv):
    # stderr joins stdout: with a single pipe, communicate() just reads it, so this script
    # does not depend on poll() (subproc.py covers that).
    r = subprocess.run(list(argv), cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    shown = [a if not a.startswith(tree) else "TREE" + a[len(tree):] for a in argv]
    print("$", " ".join(shown), "->", r.returncode)
    sys.stdout.write(r.stdout.decode())
    sys.stdout.flush()


run("/usr/bin/mkdir", "-p", "a/b/c")
run("/usr/bin/mkdir", "-p", "a/b/c")
run("/usr/bin/cp", "-a", tree, "t1")
run("/usr/bin/stat", "-c", "%n %s %F %a", "t1/f1", "t1/f2", "t1/link", "t1/sub/f3")
run("/usr/bin/stat", "-c", "%n %F %a", "t1", "t1/sub")
same = [os.stat(os.path.join(tree, n)).st_mtime_ns == os.stat(os.path.join(d, "t1", n)).st_mtime_ns
        for n in ("f1", "f2", "sub/f3")]
print("cp -a kept mtimes", same)
run("/usr/bin/cp", "-a", "t1", "a/b/c/t2")
run("/usr/bin/mv", "a/b/c/t2", "t3")
run("/usr/bin/mv", "t3/f2", "t3/f2.renamed")
run("/usr/bin/ln", "-s", "t3/f1", "lf")
run("/usr/bin/ln", "-s", "nowhere", "dangling")
run("/usr/bin/readlink", "lf", "t3/link", "dangling")
run("/usr/bin/cat", "lf")
run("/usr/bin/ls", "-1", ".", "a/b/c", "t3", "t3/sub")
run("/usr/bin/ls", "-1RA", "t1")
run("/usr/bin/sha256sum", "t1/f1", "t3/f2.renamed", "t3/sub/f3", "lf")
run("/usr/bin/rm", "-r", "t1")
run("/usr/bin/rm", "-r", "a")
run("/usr/bin/rm", "dangling")
run("/usr/bin/ls", "-1A", ".")
run("/usr/bin/rm", "-r", "missing")
run("/usr/bin/mkdir", "a/x/y")
run("/usr/bin/cp", "t3/f1", "t3/nosuchdir/f")
shutil.rmtree(d)
print("cleaned", not os.path.exists(d))
