"""The converter's checkpoint reader (tools/torch_checkpoint.py: its restricted unpickler and
zip reader) fed mutated checkpoints by Hypothesis (docs/reliability.md): each either loads
or is refused with a CheckpointError whose message begins with the file's path, never any
other exception, and never runs code: an audit hook fails the example on any process,
network, file-removing or pickle.find_class event while the reader runs.

The seeds are small torch.save files in both formats (zip and legacy), with views, several
dtypes and an OrderedDict, and the os.system pickle in both containers. Mutations flip,
overwrite, insert, delete and truncate bytes, and for the zip format also act on the
data.pkl member inside a well-formed archive (so that the unpickler, not only the zip
reader, sees the damage).

In CTest (python_tools) it runs a short, fixed number of examples; for a timed run:
    /usr/bin/python3 tools/tests/test_checkpoint_fuzz.py SECONDS
"""
import collections
import io
import os
import sys
import tempfile
import time
import zipfile

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
import ckpt_helpers as helpers  # noqa: E402
import torch_checkpoint  # noqa: E402

# Audit events that mean a checkpoint ran code: a process, a library or a socket opened, a
# file removed or renamed, or pickle's own find_class reached (the reader's must answer every
# global itself). Imports are not among them: the standard library imports modules lazily
# on first use, and a pickle can reach no import but through find_class.
_FORBIDDEN = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "subprocess.Popen", "ctypes.",
              "socket.", "os.remove", "os.rename", "shutil.", "pickle.find_class")
_watching = False
_seen = []


def _audit(event, _args):
    if _watching and event.startswith(_FORBIDDEN):
        _seen.append(event)


sys.addaudithook(_audit)


def _seeds():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {"net": collections.OrderedDict(w=base, view=base[1:, ::2], half=base.half(), i=torch.tensor([3, -4]),
                                          b=torch.tensor([True, False]), n=torch.tensor(7, dtype=torch.int64)),
           "epoch": 3, "name": "x"}
    seeds = []
    for fmt in ("zip", "legacy"):
        buf = io.BytesIO()
        torch.save(obj, buf, _use_new_zipfile_serialization=(fmt == "zip"))
        seeds.append(buf.getvalue())
    with tempfile.TemporaryDirectory() as d:
        payload = helpers.os_system_pickle(os.path.join(d, "executed"))
        for write in (helpers.zip_with_payload, helpers.legacy_with_payload):
            path = os.path.join(d, "p.pth")
            write(path, payload)
            with open(path, "rb") as f:
                seeds.append(f.read())
    return seeds


SEEDS = _seeds()


def _mutate(data, ops):
    data = bytearray(data)
    for kind, pos, blob in ops:
        p = pos % (len(data) + 1)
        if kind == 0 and data:  # flip a bit
            data[p % len(data)] ^= 1 << (blob[0] % 8 if blob else 0)
        elif kind == 1:  # overwrite
            data[p:p + len(blob)] = blob
        elif kind == 2:  # insert
            data[p:p] = blob
        elif kind == 3:  # delete
            del data[p:p + 1 + len(blob)]
        elif kind == 4:  # truncate
            del data[p:]
    return bytes(data)


def _mutate_pickle_in_zip(data, ops):
    """The zip seed with its data.pkl member mutated and the archive rebuilt well-formed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            member = src.read(name)
            dst.writestr(name, _mutate(member, ops) if name.endswith("data.pkl") else member)
    return out.getvalue()


_OPS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 1 << 16), st.binary(max_size=16)), min_size=1, max_size=8)


def check_one(seed_index, inside_zip, ops, folder):
    """Loads one mutated checkpoint: returns "loaded" or "refused"; fails on anything else."""
    global _watching
    seed = SEEDS[seed_index % len(SEEDS)]
    data = _mutate_pickle_in_zip(seed, ops) if inside_zip and seed[:4] == b"PK\x03\x04" else _mutate(seed, ops)
    path = os.path.join(folder, "ckpt.pth")
    with open(path, "wb") as f:
        f.write(data)
    _seen.clear()
    _watching = True
    try:
        torch_checkpoint.load(path)
        outcome = "loaded"
    except torch_checkpoint.CheckpointError as e:
        assert str(e).startswith(path + ": "), f"a refusal that does not name the file: {e}"
        outcome = "refused"
    finally:
        _watching = False
    assert not _seen, f"the reader ran code: {_seen}"
    assert not os.path.exists(os.path.join(folder, "executed"))
    return outcome


@settings(max_examples=int(os.environ.get("XFV_CHECKPOINT_EXAMPLES", "300")), deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(seed_index=st.integers(0, len(SEEDS) - 1), inside_zip=st.booleans(), ops=_OPS)
def test_mutated_checkpoints_load_or_are_refused_by_name(seed_index, inside_zip, ops):
    with tempfile.TemporaryDirectory() as folder:
        check_one(seed_index, inside_zip, ops, folder)


def test_the_seeds_load_and_the_payloads_are_refused():
    with tempfile.TemporaryDirectory() as folder:
        assert [check_one(i, False, [], folder) for i in range(len(SEEDS))] == ["loaded", "loaded", "refused", "refused"]


if __name__ == "__main__":
    # A timed run: batches of fresh examples until SECONDS pass; what a batch finds is raised.
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600
    end, batches, counts = time.monotonic() + seconds, 0, collections.Counter()

    @settings(max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(seed_index=st.integers(0, len(SEEDS) - 1), inside_zip=st.booleans(), ops=_OPS)
    def batch(seed_index, inside_zip, ops):
        with tempfile.TemporaryDirectory() as folder:
            counts[check_one(seed_index, inside_zip, ops, folder)] += 1

    while time.monotonic() < end:
        batch()
        batches += 1
    print(f"{sum(counts.values())} mutated checkpoints in {seconds:.0f} s ({batches} batches): "
          f"{counts['loaded']} loaded, {counts['refused']} refused by name, no other outcome")
