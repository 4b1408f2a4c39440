# Threads from python3: a concurrent.futures.ThreadPoolExecutor job (issue 4), plus locks,
# conditions, a barrier and a queue, which all end up in futexes. Deterministic output only.
import concurrent.futures
import hashlib
import queue
import threading


def work(i):
    h = hashlib.sha256(b"%d" % i)
    for _ in range(2000):
        h = hashlib.sha256(h.digest())
    return i, h.hexdigest()[:16]


with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
    results = list(ex.map(work, range(64)))
print("pool", len(results), results[:3], results[-1])
print("pool digest", hashlib.sha256(repr(results).encode()).hexdigest())

with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
    futs = [ex.submit(pow, 3, k, 1000003) for k in range(100)]
    done = [f.result(timeout=30) for f in concurrent.futures.as_completed(futs)]
print("as_completed", len(done), sum(done))

counter = 0
lock = threading.Lock()


def bump():
    global counter
    for _ in range(20000):
        with lock:
            counter += 1


ts = [threading.Thread(target=bump) for _ in range(6)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("lock counter", counter)

barrier = threading.Barrier(5)
arrived = []


def meet(i):
    arrived.append(barrier.wait(timeout=30) >= 0)


ts = [threading.Thread(target=meet, args=(i,)) for i in range(5)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("barrier", arrived.count(True))

q = queue.Queue(maxsize=4)


def produce():
    for i in range(1000):
        q.put(i)
    q.put(None)


got = []
t = threading.Thread(target=produce)
t.start()
while (item := q.get(timeout=30)) is not None:
    got.append(item)
t.join()
print("queue", len(got), sum(got))

ev = threading.Event()
cond_out = []
t = threading.Thread(target=lambda: cond_out.append(ev.wait(timeout=30)))
t.start()
ev.set()
t.join()
print("event", cond_out, threading.active_count())
