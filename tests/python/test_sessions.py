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
