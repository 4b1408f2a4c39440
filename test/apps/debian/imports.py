# The standard-library modules issue 3 names, each exercised enough to touch the LibOS paths
# it relies on (OpenSSL through _hashlib, libz, libsqlite3 on a file in a writable directory,
# libmpdec, files and directories under tempfile's directory), printing only deterministic
# text. Run natively and inside the enclave; debian.sh compares the two outputs.
import csv
import datetime
import decimal
import hashlib
import io
import json
import pathlib
import re
import sqlite3
import tempfile
import zlib

doc = {"name": "occlum", "n": [1, 2.5, None, True], "nested": {"k": "v\u00e9", "e": []}}
s = json.dumps(doc, sort_keys=True)
print("json", s, json.loads(s) == doc, json.dumps("\u00e9\U0001f600"))

print("sha256", hashlib.sha256(b"abc").hexdigest())
print("md5", hashlib.md5(b"abc").hexdigest())
print("sha1", hashlib.sha1(b"").hexdigest())
print("sha512", hashlib.sha512(b"x" * 100000).hexdigest())
print("sha3", hashlib.sha3_256(b"abc").hexdigest())
print("blake2b", hashlib.blake2b(b"abc", digest_size=16).hexdigest())
print("pbkdf2", hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000).hex())

decimal.getcontext().prec = 50
D = decimal.Decimal
print("decimal", D(1) / D(7), D("0.1") + D("0.2"), D(2).sqrt(), D("1.005").quantize(D("0.01")))

text = "alpha=1, beta=22; gamma=333 delta=4444"
print("re", re.findall(r"(\w+)=(\d+)", text), re.sub(r"(\d+)", lambda m: str(len(m[1])), text))
print("re", bool(re.fullmatch(r"[a-z]+(?:-[a-z]+)*", "a-bc-def")), re.split(r"[,;]\s*", text))

data = b"".join(b"line %d of some repetitive data\n" % i for i in range(20000))
comp = zlib.compress(data, 9)
print("zlib", len(data), len(comp), zlib.crc32(data), zlib.adler32(data),
      zlib.decompress(comp) == data)
co = zlib.compressobj(6, zlib.DEFLATED, 31)  # gzip framing
gz = co.compress(data) + co.flush()
print("zlib gzip", len(gz), zlib.decompress(gz, 47) == data)

with tempfile.TemporaryDirectory() as d:
    root = pathlib.Path(d)
    p = root / "sub" / "deep" / "f.txt"
    p.parent.mkdir(parents=True)
    p.write_text("hello pathlib\n")
    (root / "sub" / "g.bin").write_bytes(bytes(range(256)) * 16)
    (root / "sub" / "link").symlink_to("deep/f.txt")
    print("pathlib", sorted(str(q.relative_to(root)) for q in root.rglob("*")))
    print("pathlib", p.stat().st_size, (root / "sub" / "g.bin").stat().st_size,
          (root / "sub" / "link").read_text().strip(), (root / "sub" / "link").is_symlink())
    q = p.rename(root / "moved.txt")
    print("pathlib", q.name, q.exists(), p.exists(), sorted(x.name for x in root.iterdir()))
    q.unlink()
    with tempfile.NamedTemporaryFile(dir=d, suffix=".tmp") as nt:
        nt.write(b"12345")
        nt.flush()
        print("tempfile", pathlib.Path(nt.name).stat().st_size, nt.name.endswith(".tmp"))

    db = sqlite3.connect(str(root / "t.db"))
    db.execute("create table t(a integer primary key, b text)")
    with db:
        db.executemany("insert into t(b) values (?)", (("row %d" % i,) for i in range(2000)))
    print("sqlite3", db.execute("select count(*), sum(a), max(b) from t").fetchone())
    db.close()
    db = sqlite3.connect(str(root / "t.db"))
    print("sqlite3 reopened", db.execute("select count(*) from t").fetchone(),
          (root / "t.db").stat().st_size > 0)
    db.close()
    kept = d
print("tempfile cleaned", not pathlib.Path(kept).exists())

mem = sqlite3.connect(":memory:")
row = mem.execute("select 6*7, upper('x'), json_extract('{\"a\":[1,2]}', '$.a[1]')").fetchone()
print("sqlite3 memory", row)

utc = datetime.timezone.utc
e = datetime.datetime.fromtimestamp(0, tz=utc)
print("datetime", e.isoformat(), (e + datetime.timedelta(days=19000, seconds=3661)).isoformat())
print("datetime", datetime.date(2024, 2, 29) + datetime.timedelta(days=365),
      datetime.datetime(2001, 9, 9, 1, 46, 40, tzinfo=utc).timestamp(),
      datetime.datetime.strptime("2023-07-14 12:34", "%Y-%m-%d %H:%M").strftime("%a %d %b %Y"))
print("datetime now is recent", datetime.datetime.now(tz=utc).year >= 2024)

buf = io.StringIO()
w = csv.writer(buf, quoting=csv.QUOTE_MINIMAL)
w.writerow(["id", "name", "note"])
w.writerow([1, "a,b", 'say "hi"'])
w.writerow([2, "multi\nline", ""])
print("csv", repr(buf.getvalue()))
print("csv", list(csv.DictReader(io.StringIO(buf.getvalue()))))
