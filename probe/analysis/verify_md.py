"""VERIFY.md, the offline recipe in every bundle: every file, every measurement, every key id, every
checkpoint and witness cosignature, with POSIX sh, openssl 3 and one short Python script (standard library
only). tests/test_verify_recipe.py runs it as written and tampers with each kind of file."""

from __future__ import annotations

VERIFY_MD = r"""# Verifying this evidence bundle offline

Everything needed is in this zip; no network is used. Unzip it and work in its folder.

## With the Saksi tool

The `probe` command is not published on PyPI: install it from the source repository or the wheel that
whoever published this bundle points you to, for example

    pip install ./saksi_probe-<version>-py3-none-any.whl    # or: pip install 'git+<repository URL>'
    probe verify bundle.zip --log-key '<the collector's published verifier key>' \
        --witness-key '<a witness's published key>' --checkpoint <a checkpoint you saved earlier>

It checks every file's SHA-256, every signature (bundle, checkpoints, measurements, receipts, witness
cosignatures), every inclusion and consistency proof, recomputes the timeline, events and every
measurement's time bracket, and fails if any two checkpoints it is given disagree (a forked log). It says
which keys it trusted; without --log-key and --witness-key it says plainly that the bundle vouches for
itself. It says LAB DATA when the measurements were invented for testing (`probe collector demo-data`).

## By hand: POSIX sh, openssl 3 and the Python script below

Works on Linux and macOS (there, install OpenSSL 3: `brew install openssl@3`; the system's LibreSSL
cannot verify Ed25519). openssl checks every signature and every file's SHA-256; the script (Python 3,
standard library only) reads the JSON, rebuilds the exact bytes each signature covers, and checks the
Merkle proofs and the time brackets, which openssl cannot. Every step stops with FAILED on a changed
byte. Temporary files go to a fresh temporary directory, never into this folder:

```sh
T=$(mktemp -d)
```

Save the script at the end of this file as `$T/check.py` (copy it, or
`awk '/^```python$/{p=1;next} /^```$/{p=0} p' VERIFY.md > "$T/check.py"`). Then run each step.

### 1. The keys and their ids

log-key.txt is the collector's key (compare it with the one the collector publishes at
GET /api/v1/log/key and elsewhere); collector.pub.pem must be the same key, and its key id the one in
log-key.txt. Each probe key's id is the SHA-256 of its 32 raw bytes, which is its file name:

```sh
python3 "$T/check.py" logkey
for K in keys/*.pem; do
  ID=$(openssl pkey -pubin -in "$K" -outform DER | tail -c 32 | openssl dgst -sha256 -r | cut -d' ' -f1)
  [ "$K" = "keys/$ID.pem" ] || { echo "FAILED: $K is not the key its name says"; exit 1; }
done
echo "every probe key hashes to its key id"
```

### 2. The collector's signature and every file

SIGNATURE.json is a DSSE envelope by the collector over MANIFEST.json's SHA-256 and the two reports'
hashes; MANIFEST.json lists every other file with its SHA-256 and size. The script rebuilds the signed
bytes (DSSE's PAE) for openssl, then lists every file with the hash and size it must have:

```sh
python3 "$T/check.py" dsse SIGNATURE.json "$T"
openssl pkeyutl -verify -pubin -inkey collector.pub.pem -rawin -in "$T/pae" -sigfile "$T/sig"
python3 "$T/check.py" files "$T"
while read -r SUM SIZE NAME; do
  [ "$(openssl dgst -sha256 -r "$NAME" | cut -d' ' -f1)" = "$SUM" ] \
    && [ "$(wc -c < "$NAME" | tr -d ' ')" = "$SIZE" ] \
    || { echo "FAILED: $NAME was changed"; exit 1; }
done < "$T/files"
echo "every file (reports included) matches what the collector signed"
```

### 3. The checkpoint

checkpoint.txt is a C2SP signed note: the log's name, its size and root hash, then signature lines
"— <name> base64(4-byte key id || signature)", the collector's and the witnesses'.

```sh
python3 "$T/check.py" note checkpoint.txt "$T"
openssl pkeyutl -verify -pubin -inkey collector.pub.pem -rawin -in "$T/msg" -sigfile "$T/sig"
```

### 4. Every measurement

Each measurement's signature by its probe key, the collector's receipt, the log statement (it must say
what the receipt says) and its inclusion proof up to checkpoint.txt's root:

```sh
: > "$T/anchors"
for M in measurements/*; do
  python3 "$T/check.py" dsse "$M/envelope.json" "$T"
  openssl pkeyutl -verify -pubin -inkey "keys/$(cat "$T/keyid").pem" -rawin -in "$T/pae" \
    -sigfile "$T/sig" > /dev/null || { echo "FAILED: $M/envelope.json"; exit 1; }
  mv "$T/payload" "$T/measurement"
  mv "$T/keyid" "$T/signer"
  python3 "$T/check.py" dsse "$M/receipt.json" "$T"
  openssl pkeyutl -verify -pubin -inkey collector.pub.pem -rawin -in "$T/pae" \
    -sigfile "$T/sig" > /dev/null || { echo "FAILED: $M/receipt.json"; exit 1; }
  python3 "$T/check.py" entry "$M" "$T"
done
echo "every measurement: probe signature, receipt, log statement and inclusion proof"
```

### 5. The checkpoints, the witnesses and the dates

checkpoints/ holds the checkpoints the dates rest on; each must be signed by the collector and be a
prefix of checkpoint.txt's tree (a consistency proof: otherwise the log was forked). witnesses.json names
the witnesses' keys: they came in this zip, so compare each with the key its witness publishes (or
replace `$T/witnesses` with the keys you trust, one per line). A witness's cosignature (C2SP
cosignature/v1) signs "cosignature/v1", "time <seconds>" and the checkpoint's text; openssl checks each.
Last, the script recomputes every measurement's bracket in brackets.json from the verified times: not
before the witnessed time of the checkpoint its probe had seen, not after the first witnessed checkpoint
that holds it.

```sh
python3 "$T/check.py" witnesses "$T"
: > "$T/times"
for C in checkpoint.txt checkpoints/*.txt; do
  [ -f "$C" ] || continue
  python3 "$T/check.py" note "$C" "$T"
  openssl pkeyutl -verify -pubin -inkey collector.pub.pem -rawin -in "$T/msg" \
    -sigfile "$T/sig" > /dev/null || { echo "FAILED: $C is not signed by the collector"; exit 1; }
  python3 "$T/check.py" consistent "$C"
  while read -r W; do
    if python3 "$T/check.py" cosig "$C" "$W" "$T"; then
      openssl pkeyutl -verify -pubin -inkey "$T/witness.pem" -rawin -in "$T/msg" \
        -sigfile "$T/sig" > /dev/null || { echo "FAILED: a cosignature on $C"; exit 1; }
      cat "$T/time" >> "$T/times"
    fi
  done < "$T/witnesses"
done
python3 "$T/check.py" brackets "$T"
echo "every check passed"
```

timeline.csv, timeline.json and events.json are covered by step 2's hashes; recomputing them from the
measurements needs the timeline rules, which `probe verify` applies.

### The script

```python
import base64, hashlib, json, os, sys, time
ED25519 = bytes.fromhex("302a300506032b6570032100")  # DER prefix of an Ed25519 public key


def fail(why):
    print("FAILED: " + why)
    sys.exit(1)


def b64(text):
    return base64.b64decode(text, validate=True)


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read())


def save(path, data):
    with open(path, "wb") as f:
        f.write(data)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def node(a, b):
    return hashlib.sha256(b"\1" + a + b).digest()


def vkey(text, alg):  # <name>+<key id>+base64(alg || key): the key, once its id is checked
    name, kid, key = text.strip().split("+", 2)
    key = b64(key)
    if key[0] != alg or len(key) != 33 or sha(name.encode() + b"\n" + key)[:8] != kid:
        fail("the key id of " + name + " does not match its key")
    return name, key[1:]


def note(path):  # (signed text, [(name, signature bytes)])
    text = open(path, encoding="utf-8").read()
    cut = text.rindex("\n\n") + 1
    lines = [s.split(" ") for s in text[cut + 1 :].splitlines()]
    return text[:cut], [(s[1], b64(s[2])) for s in lines if len(s) == 3 and s[0] == "\u2014"]


def head(path):
    lines = note(path)[0].split("\n")
    return int(lines[1]), b64(lines[2])


def utc(seconds):
    return None if seconds is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "logkey":
    name, key = vkey(open("log-key.txt").read(), 1)
    pem = "".join(s.strip() for s in open("collector.pub.pem") if not s.startswith("-----"))
    if b64(pem) != ED25519 + key:
        fail("collector.pub.pem is not the key in log-key.txt")
    print("the collector's key: " + name)
elif cmd == "dsse":  # the bytes a DSSE signature covers (PAE), the signature, the payload, the key id
    env, out = load(args[0]), args[1]
    kind, payload = env["payloadType"].encode(), b64(env["payload"])
    save(out + "/pae", b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload))
    save(out + "/sig", b64(env["signatures"][0]["sig"]))
    save(out + "/payload", payload)
    save(out + "/keyid", env["signatures"][0]["keyid"].encode())
elif cmd == "files":
    signed = load(args[0] + "/payload")
    if signed["manifest_sha256"] != sha(open("MANIFEST.json", "rb").read()):
        fail("MANIFEST.json is not the file the collector signed")
    files = dict(load("MANIFEST.json")["files"], **signed["reports"])
    here = {os.path.join(d, f)[2:] for d, _, fs in os.walk(".") for f in fs if f != ".DS_Store"}
    for extra in sorted(here - set(files) - {"MANIFEST.json", "SIGNATURE.json"}):
        fail(extra + " is not listed in MANIFEST.json: it was added")
    lines = ["%s %d %s\n" % (f["sha256"], f["size"], n) for n, f in sorted(files.items())]
    save(args[0] + "/files", "".join(lines).encode())
elif cmd == "note":  # the collector's signature on a checkpoint
    name, key = vkey(open("log-key.txt").read(), 1)
    text, sigs = note(args[0])
    kid = bytes.fromhex(sha(name.encode() + b"\n\1" + key)[:8])
    mine = [s for n, s in sigs if n == name and s[:4] == kid]
    if not mine or text.split("\n")[0] != name:
        fail(args[0] + " carries no signature by the collector's key")
    save(args[1] + "/msg", text.encode())
    save(args[1] + "/sig", mine[0][4:])
elif cmd == "entry":  # one measurement: hashes, receipt, statement, inclusion proof
    folder, out = args
    uid = os.path.basename(folder.rstrip("/"))
    body = open(out + "/measurement", "rb").read()
    m, receipt = json.loads(body), load(out + "/payload")
    doc = load(folder + "/proof.json")
    st, proof = doc["statement"], doc["inclusion"]
    kid = open(out + "/signer").read()
    if m["measurement_uid"] != uid or m["probe"]["key_id"] != kid or receipt["measurement_uid"] != uid:
        fail(folder + ": the measurement, its signer and its receipt do not name the same uid and key")
    want = (sha(body), kid, receipt["observed_asn"], receipt["received_at"])
    if (receipt["payload_sha256"], receipt["key_id"]) != want[:2] or (
        st["payload_sha256"], st["key_id"], st["asn"], st["received_at"]) != want:
        fail(folder + ": the receipt or the log statement does not match the signed measurement")
    leaf = json.dumps(st, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    r, fn, sn = hashlib.sha256(b"\0" + leaf).digest(), proof["leaf_index"], proof["tree_size"] - 1
    for p in map(b64, proof["hashes"]):  # RFC 9162, 2.1.3.2
        if sn == 0:
            fail(folder + ": the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or (proof["tree_size"], r) != head("checkpoint.txt"):
        fail(folder + ": not in the log at checkpoint.txt")
    a = m.get("time_anchor") or {}
    with open(out + "/anchors", "a") as f:
        f.write("%s %d %s %s\n" % (uid, proof["leaf_index"], a.get("tree_size", "-"), a.get("root_hash", "-")))
elif cmd == "consistent":  # RFC 9162, 2.1.4.2: the checkpoint is a prefix of checkpoint.txt's tree
    (m, old), (n, new) = head(args[0]), head("checkpoint.txt")
    if m != n:
        path = [b64(h) for h in load("checkpoints/consistency.json")["proofs"][str(m)]]
        path = [old] + path if m & (m - 1) == 0 else path
        fn, sn = m - 1, n - 1
        while fn & 1:
            fn, sn = fn >> 1, sn >> 1
        fr = sr = path[0]
        for c in path[1:]:
            if sn == 0:
                fail(args[0] + ": the consistency proof is too long")
            if fn & 1 or fn == sn:
                fr, sr = node(c, fr), node(c, sr)
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
            else:
                sr = node(sr, c)
            fn, sn = fn >> 1, sn >> 1
        if sn != 0 or (fr, sr) != (old, new):
            fail(args[0] + " is not consistent with checkpoint.txt: the log was forked or altered")
    elif old != new:
        fail(args[0] + " and checkpoint.txt: two roots for one size: the log was forked")
elif cmd == "witnesses":
    keys = load("witnesses.json")["witnesses"]
    save(args[0] + "/witnesses", "".join(k + "\n" for k in keys).encode())
    print("witnesses (compare with their published keys): %d" % len(keys))
elif cmd == "cosig":  # a witness's cosignature/v1 on a checkpoint, if there is one
    path, key, out = args
    name, raw = vkey(key, 4)
    text, sigs = note(path)
    kid = bytes.fromhex(sha(name.encode() + b"\n\4" + raw)[:8])
    mine = [s for n, s in sigs if n == name and s[:4] == kid]
    if not mine:
        sys.exit(3)
    when = int.from_bytes(mine[0][4:12], "big")
    save(out + "/msg", b"cosignature/v1\ntime %d\n" % when + text.encode())
    save(out + "/sig", mine[0][12:])
    pem = base64.b64encode(ED25519 + raw).decode()
    save(out + "/witness.pem", ("-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % pem).encode())
    size, root = head(path)
    save(out + "/time", ("%d %s %s %d\n" % (size, base64.b64encode(root).decode(), key.strip(), when)).encode())
elif cmd == "brackets":  # every measurement's bracket, from the verified cosignatures alone
    seen = [s.split() for s in open(args[0] + "/times")]
    k = load("witnesses.json")["quorum"]
    stated = {b["uid"]: b for b in load("brackets.json")}
    for uid, index, asize, aroot in (s.split() for s in open(args[0] + "/anchors")):
        after, before = {}, {}
        for size, root, w, t in seen:
            if int(size) > int(index):
                after[w] = min(int(t), after.get(w, int(t)))
            if size == asize and root == aroot:
                before[w] = min(int(t), before.get(w, int(t)))
            elif size == asize:
                fail(uid + ": its probe saw another root for that size than the log's: a fork")
        a, b = sorted(after.values()), sorted(before.values())
        got = (utc(b[k - 1]) if len(b) >= k else None, utc(a[k - 1]) if len(a) >= k else None)
        if uid in stated and stated[uid].get("problem"):
            fail(uid + ": " + stated[uid]["problem"])
        if uid not in stated or (stated[uid]["not_before"], stated[uid]["not_after"]) != got:
            fail("brackets.json: the dates of " + uid + " are not what the witnesses signed")
    print("every bracket in brackets.json is what the witnesses' cosignatures give")
```
"""
