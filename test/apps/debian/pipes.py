# Pipes between spawned children (issue 4): an os.pipe() joining two subprocesses, Popen
# chains, a pipeline whose reader exits early (the writer dies of SIGPIPE), and a gzip |
# gunzip round trip. Usage: pipes.py WORDS BIGFILE. Deterministic output only.
import hashlib
import os
import subprocess
import sys

words, big = sys.argv[1], sys.argv[2]
PIPE = subprocess.PIPE

r, w = os.pipe()
with open(words, "rb") as f:
    p1 = subprocess.Popen(["/usr/bin/tr", "a-z", "A-Z"], stdin=f, stdout=w)
p2 = subprocess.Popen(["/usr/bin/sort"], stdin=r, stdout=PIPE)
os.close(w)
os.close(r)
out = p2.communicate()[0]
print("os.pipe tr|sort", p1.wait(), p2.returncode, out)

# More than a pipe buffer through two children.
p1 = subprocess.Popen(["/usr/bin/cat", big], stdout=PIPE)
p2 = subprocess.Popen(["/usr/bin/sha256sum"], stdin=p1.stdout, stdout=PIPE)
p1.stdout.close()
out = p2.communicate()[0]
with open(big, "rb") as f:
    want = hashlib.sha256(f.read()).hexdigest()
print("cat|sha256sum", p1.wait(), p2.returncode, out.split()[0].decode() == want, out.split()[0])

# Three stages.
p1 = subprocess.Popen(["/usr/bin/cat", words], stdout=PIPE)
p2 = subprocess.Popen(["/usr/bin/sort", "-u"], stdin=p1.stdout, stdout=PIPE)
p3 = subprocess.Popen(["/usr/bin/head", "-n", "3"], stdin=p2.stdout, stdout=PIPE)
p1.stdout.close()
p2.stdout.close()
out = p3.communicate()[0]
print("cat|sort -u|head", p1.wait(), p2.wait(), p3.returncode, out)

# The reader exits early: the writer gets SIGPIPE (Popen restores SIGPIPE's default action).
p1 = subprocess.Popen(["/usr/bin/yes", "occlum"], stdout=PIPE)
p2 = subprocess.Popen(["/usr/bin/head", "-n", "3"], stdin=p1.stdout, stdout=PIPE)
p1.stdout.close()
out = p2.communicate()[0]
print("yes|head", p1.wait(), p2.returncode, out)

# gzip -c | gunzip -c, compared with the original.
p1 = subprocess.Popen(["/usr/bin/gzip", "-c", big], stdout=PIPE)
p2 = subprocess.Popen(["/usr/bin/gunzip", "-c"], stdin=p1.stdout, stdout=PIPE)
p1.stdout.close()
out = p2.communicate()[0]
with open(big, "rb") as f:
    print("gzip|gunzip", p1.wait(), p2.returncode, len(out), out == f.read())

# EOF reaches the parent only when every writer is gone (pass_fds keeps one in a child).
r, w = os.pipe()
p = subprocess.Popen(["/usr/bin/sleep", "0.2"], pass_fds=(w,))
os.close(w)
data = os.read(r, 10)  # blocks until the child exits and its copy of w closes
print("eof after child exit", data, p.poll() is not None or p.wait() == 0)
os.close(r)
