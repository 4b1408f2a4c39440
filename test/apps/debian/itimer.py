# signal.setitimer with a Python handler (issue 4): a periodic ITIMER_REAL waking pause(), a
# one-shot timer during time.sleep (the sleep resumes, PEP 475), getitimer's remaining time,
# and alarm(). Prints booleans and counts that do not depend on timing jitter.
import signal
import time

hits = []


def handler(signum, frame):
    hits.append(signum)


signal.signal(signal.SIGALRM, handler)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.02)
t0 = time.monotonic()
while len(hits) < 5 and time.monotonic() - t0 < 10:
    signal.pause()
signal.setitimer(signal.ITIMER_REAL, 0)
print("periodic", len(hits) >= 5, all(s == signal.SIGALRM for s in hits))
print("disarmed", signal.getitimer(signal.ITIMER_REAL))

hits.clear()
signal.setitimer(signal.ITIMER_REAL, 0.05)
t0 = time.monotonic()
time.sleep(0.3)
el = time.monotonic() - t0
print("one-shot during sleep", hits == [signal.SIGALRM], "sleep completed", el >= 0.29)

signal.setitimer(signal.ITIMER_REAL, 5.0, 1.0)
value, interval = signal.getitimer(signal.ITIMER_REAL)
print("getitimer", 4.0 < value <= 5.0, interval == 1.0)
old = signal.setitimer(signal.ITIMER_REAL, 0)
print("old value returned", 4.0 < old[0] <= 5.0, old[1] == 1.0)

print("alarm", signal.alarm(10), 8 <= signal.alarm(0) <= 10)


class Timeout(Exception):
    pass


def raiser(signum, frame):
    raise Timeout()


signal.signal(signal.SIGALRM, raiser)
signal.setitimer(signal.ITIMER_REAL, 0.05)
try:
    time.sleep(5)
    print("handler exception", "not raised")
except Timeout:
    print("handler exception", "raised")
