# Reused program pages (the LibOS keeps the code and read-only pages of programs that exit,
# and a later mapping of the same bytes takes them as they are, even pages whose syscall
# sites the LibOS rewrote): after many spawns of programs using libc, mapping libc and the
# programs' files must still read exactly the files' bytes. Each digest is printed, and
# compared with reading the file, so a difference shows natively and inside alike.
import hashlib
import mmap
import subprocess
import sys

LIBS = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/sort", "/usr/bin/true",
        "/usr/lib64/ld-linux-x86-64.so.2"]


def spawn_many():
    # Each run uses libc and ld.so; exits leave their pages to be reused.
    outs = set()
    for i in range(30):
        r = subprocess.run(["/usr/bin/sort"], input=b"b\na\n", capture_output=True)
        outs.add((r.returncode, r.stdout))
        subprocess.run(["/usr/bin/true"])
    return outs


def digest_read(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def digest_mmap(path, prot):
    with open(path, "rb") as f:
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY if prot == "copy" else
                       mmap.ACCESS_READ) as m:
            return hashlib.sha256(m[:]).hexdigest()


print("spawns", sorted(spawn_many()))
for path in LIBS:
    want = digest_read(path)
    for prot in ("read", "copy"):
        got = digest_mmap(path, prot)
        print(path, prot, "same as read()" if got == want else "DIFFERENT", want[:16])
    sys.stdout.flush()
    spawn_many()  # and again, with the file's pages kept by those exits
    got = digest_mmap(path, "read")
    print(path, "after more spawns", "same as read()" if got == want else "DIFFERENT")
