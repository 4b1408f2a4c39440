# subprocess from python3 (vfork/posix_spawn-style process creation, pipes both ways, wait
# statuses): issue 4's subprocess.run(['/usr/bin/sort'], input=..., capture_output=True) and
# a few neighbours. Each step prints its result or the exception it raised, so one failing
# step does not hide the others. Deterministic output only.
import subprocess
import sys


def step(name, fn):
    try:
        print(name, *fn())
    except Exception as e:  # noqa: BLE001 - the report is the point
        print(name, "raised", type(e).__name__, getattr(e, "errno", None) or str(e))
    sys.stdout.flush()


words = b"pear\napple\nfig\nbanana\napple\ncherry\n"


def run(*a, **kw):
    return subprocess.run(*a, **kw)


def sort_input():
    # input= and capture_output: communicate() polls all three pipes.
    r = run(["/usr/bin/sort"], input=words, capture_output=True)
    return r.returncode, r.stdout, r.stderr


def sort_text():
    r = run(["/usr/bin/sort", "-u", "-r"], input=words.decode(), capture_output=True, text=True)
    return r.returncode, repr(r.stdout)


def sort_big():
    # More than a pipe buffer each way.
    big = "".join("%d\n" % ((i * 7919) % 100003) for i in range(100000)).encode()
    r = run(["/usr/bin/sort", "-n"], input=big, capture_output=True)
    lines = r.stdout.split(b"\n")
    return r.returncode, len(r.stdout), lines[:3], lines[-4:]


def sort_stdout_only():
    # One pipe: communicate() just reads it (no poll).
    r = run(["/usr/bin/sort", "-r"], stdin=open(sys.argv[1], "rb"), stdout=subprocess.PIPE)
    return r.returncode, r.stdout


def check_error():
    try:
        run(["/usr/bin/false"], check=True)
    except subprocess.CalledProcessError as e:
        return type(e).__name__, e.returncode
    return ("no exception",)


def missing():
    try:
        run(["/nonexistent/program"])
    except FileNotFoundError as e:
        return type(e).__name__, e.errno
    return ("no exception",)


def env():
    r = run(["/usr/bin/env"], env={"A": "1", "B": "two"}, stdout=subprocess.PIPE)
    return r.returncode, r.stdout


def cwd():
    r = run(["/usr/bin/ls", "-1"], cwd="/", stdout=subprocess.PIPE)
    return r.returncode, b"tmp\n" in r.stdout


def stderr_capture():
    r = run(["/usr/bin/cat", "/nonexistent"], capture_output=True)
    return r.returncode, r.stdout, r.stderr.endswith(b"No such file or directory\n")


def killed():
    p = subprocess.Popen(["/usr/bin/sleep", "30"])
    p.kill()
    return (p.wait(),)


def timeout():
    try:
        run(["/usr/bin/sleep", "30"], timeout=0.3)
    except subprocess.TimeoutExpired as e:
        return (type(e).__name__,)
    return ("no exception",)


step("sort input= capture_output", sort_input)
step("sort text", sort_text)
step("sort -n big", sort_big)
step("sort -r stdout only", sort_stdout_only)
step("true", lambda: (run(["/usr/bin/true"]).returncode,))
step("false", lambda: (run(["/usr/bin/false"]).returncode,))
step("check=True", check_error)
step("missing program", missing)
step("env=", env)
step("cwd=/", cwd)
step("devnull", lambda: (run(["/usr/bin/cat"], stdin=subprocess.DEVNULL).returncode,))
step("stderr captured", stderr_capture)
step("killed", killed)
step("timeout", timeout)
step("50 spawns", lambda: ([run(["/usr/bin/true"]).returncode for _ in range(50)] == [0] * 50,))
