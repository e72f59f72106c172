"""Threads sharing one model with a session each; the profile as objects; memory; validate."""

import json
import os
import threading

import numpy as np

import xfv
from conftest import same_bits


def run_tasks(s, face, voice, latents):
    """Audio-guided image translation and the latent styles on one session. (The voice
    conversion is left to the C API's thread tests: two threads, each with an OpenMP team as
    large as the machine, take 30 times one thread's time on 2 cores; docs/python.md.)"""
    voice_style = s.style_from_voice(voice, 24000, 1)
    return [voice_style, s.styles_from_latents(latents, 1), s.translate_face(face, voice_style)]


def test_threads_share_a_model_with_a_session_each(small_bundle, rng):
    face = rng.uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    voice = (0.3 * rng.standard_normal(24000)).astype(np.float32)
    with xfv.Model(small_bundle) as model:
        latents = rng.standard_normal((2, model.latent_dim)).astype(np.float32)
        with model.session() as s:
            want = run_tasks(s, face, voice, latents)
        results, errors = [None] * 2, []

        def worker(i):
            try:
                with model.session() as mine:
                    results[i] = run_tasks(mine, face, voice, latents)
            except Exception as e:  # reported on the main thread
                errors.append(e)

        # Two threads: each one's OpenMP team takes both cores of the CI machine already (the
        # C API's tests run four).
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        for got in results:
            assert all(same_bits(g, w) for g, w in zip(got, want))


def test_threads_sharing_one_session_take_turns(small_bundle, rng):
    faces = rng.uniform(-1, 1, (3, 3, 64, 64)).astype(np.float32)
    with xfv.Model(small_bundle) as model, model.session() as s:
        want = [s.style_from_face(f, 1) for f in faces]
        got = [None] * 3
        threads = [threading.Thread(target=lambda i=i: got.__setitem__(i, s.style_from_face(faces[i], 1)))
                   for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(same_bits(g, w) for g, w in zip(got, want))


def test_profile_as_objects(small_bundle, rng):
    face = rng.uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    with xfv.Model(small_bundle) as model, model.session() as s:
        s.style_from_face(face, 0)
        assert s.last_profile() is None and s.last_profile_json() == ""
        s.profiling = True
        s.style_from_face(face, 0)
        p = s.last_profile()
        j = json.loads(s.last_profile_json())
        assert isinstance(p, xfv.Profile) and p.backend == "cpu"
        assert [n.name for n in p.nodes] == [n["name"] for n in j["nodes"]]
        assert {n.network for n in p.nodes} == {"image_style_encoder"}
        assert [t.network for t in p.networks] == ["image_style_encoder"]
        assert p.total.network == "all" and p.total.nodes == len(p.nodes) > 0
        assert p.total.flops == sum(n.flops for n in p.nodes) > 0


ROOFLINE = ("roof_compute_ms", "roof_memory_ms", "roof_ms", "bound", "roof_fraction")


def test_profile_roofline_as_objects(small_bundle, rng):
    """Each node's precision, peaks and roofline, and each total's roofline, as the JSON has
    them: on cpu without measured peaks null (None) but the precision; then the same profile
    with figures in every roofline field (as a GPU's or --peaks' would be) carries each
    figure to its attribute."""
    face = rng.uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    with xfv.Model(small_bundle) as model, model.session(profiling=True) as s:
        s.style_from_face(face, 0)
        j = json.loads(s.last_profile_json())
    p = xfv.Profile.from_json(json.dumps(j))
    assert p.peaks == xfv.Peaks(j["peaks"]["source"], j["peaks"]["flops_per_s"], None) and p.peaks.source
    assert all(n.precision == "fp32" and n.peak_flops_per_s is None and n.roof_ms is None for n in p.nodes)
    assert p.total.roof_ms is None and p.total.bound is None
    figures = iter(range(1, 10**6))
    for record in j["nodes"] + j["networks"] + [j["total"]]:
        record.update({k: float(next(figures)) for k in ROOFLINE if k != "bound"}, bound="memory")
    for record in j["nodes"]:
        record.update(precision="bf16", peak_flops_per_s=float(next(figures)), peak_bytes_per_s=float(next(figures)))
    j["peaks"].update(flops_per_s={"fp32": 1.0, "tf32": 2.0, "bf16": 3.0, "fp16": 4.0}, bytes_per_s=5.0)
    p = xfv.Profile.from_json(json.dumps(j))
    fields = ROOFLINE + ("precision", "peak_flops_per_s", "peak_bytes_per_s")
    for node, record in zip(p.nodes, j["nodes"], strict=True):
        assert isinstance(node, xfv.Roofline) and all(getattr(node, k) == record[k] for k in fields)
    for total, record in zip(p.networks + [p.total], j["networks"] + [j["total"]], strict=True):
        assert isinstance(total, xfv.Roofline) and all(getattr(total, k) == record[k] for k in ROOFLINE)
    assert p.peaks.flops_per_s["bf16"] == 3.0 and p.peaks.bytes_per_s == 5.0


def test_memory(small_bundle, rng):
    face = rng.uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    with xfv.Model(small_bundle) as model, model.session() as s:
        assert model.host_bytes() == 0 and s.bytes() == 0
        s.style_from_face(face, 0)
        assert model.host_bytes("image_style_encoder") == model.host_bytes() > 0
        assert model.backend_bytes() == 0  # cpu reads the host tensors in place
        assert s.bytes("image_style_encoder") == s.bytes() > 0
        assert s.byte_budget == 2 << 30


def test_validate(hifigan_dir):
    small = os.path.join(hifigan_dir, "small.safetensors")
    dump = os.path.join(hifigan_dir, "small.vocoder.safetensors")
    with xfv.Model(small) as model:
        report = xfv.validate(dump, model)
    assert report.network == "vocoder" and report.tolerance == 1e-4 and report.ok
    assert len(report.points) > 5 and all(p.rel_l2 <= p.tolerance for p in report.points)
    isolated = xfv.validate(dump, small, backend="sim", isolate=True)
    assert isolated.tolerance == 1e-5 and isolated.ok
    assert [p.name for p in isolated.points] == [p.name for p in report.points]
    assert report.points[-1].name in str(report)
