"""XFaVoT's tasks end to end through the `xfv` CLI on bundles, against PyTorch's composition
of the same networks (tools/dump_task.py): audio-guided image translation, image-guided voice
conversion, latent generation (a face and a voice per style), on a Parallel WaveGAN bundle and
a HiFi-GAN one (the x*4-4 affine), full size on cpu and reduced on sim; the batch path; long
audio in chunks; the bundle refusals. Needs the xfv binary and the XFaVoT fixtures, which
CTest provides (XFV_BIN, XFV_XFAVOT); skipped outside CTest."""
import json
import os
import subprocess

import numpy as np
import pytest

import safetensors_io
from cli_helpers import read_wav, write_pcm16

XFV = os.environ.get("XFV_BIN")
FIXTURES = os.environ.get("XFV_XFAVOT")
pytestmark = pytest.mark.skipif(not XFV or not FIXTURES, reason="run through ctest (XFV_BIN, XFV_XFAVOT)")
END_TO_END = 1e-4  # relative L2, float32 chained


def fixture(name):
    return os.path.join(FIXTURES, name)


def rel_l2(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    return np.linalg.norm(got - want) / np.linalg.norm(want)


def xfv(*args):
    r = subprocess.run([XFV, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r


def load_dump(bundle, task):
    tensors, meta = safetensors_io.read(fixture(f"{bundle}.{task}.safetensors"))
    return tensors, json.loads(meta["xfv.dump.config"])


def domain_name(bundle, network, index):
    """The domain's name in the bundle, so that the CLI resolves names, not indices."""
    _, meta = safetensors_io.read(fixture(f"{bundle}.safetensors"))
    names = json.loads(meta.get(f"xfv.domains.{network}", "[]"))
    return names[index] if names else str(index)


def common(bundle, cfg, backend):
    return ["--weights", fixture(f"{bundle}.safetensors"), "--backend", backend,
            "--domain", domain_name(bundle, cfg["style_network"], cfg["domain_index"])]


def noise_args(tmp_path, ref):
    if "task.input.noise" not in ref:
        return []
    path = tmp_path / "noise.npy"
    np.save(path, ref["task.input.noise"].astype(np.float32))
    return ["--noise", str(path)]


# Under ASan + UBSan (XFV_SANITIZED) the small bundle on cpu takes every task's code path; the
# full sizes and sim there take minutes each (sim is checked op by op under the sanitizers).
SANITIZED = os.environ.get("XFV_SANITIZED") == "1"
RUNS = [("small", "cpu")] if SANITIZED else [("full", "cpu"), ("small", "cpu"), ("small", "sim")]


@pytest.mark.parametrize("bundle,backend", RUNS)
def test_audio_guided_image_translation(tmp_path, bundle, backend):
    ref, cfg = load_dump(bundle, "image_from_voice")
    dump = tmp_path / "values.safetensors"
    xfv("image", *common(bundle, cfg, backend), "--source", fixture(cfg["face"]), "--reference",
        fixture(cfg["reference"]), "--out", str(tmp_path / "out.png"), "--dump-tensors", str(dump))
    got, _ = safetensors_io.read(str(dump))
    assert rel_l2(got["audio_style_encoder.output"], ref["task.style"]) < END_TO_END
    assert rel_l2(got["image_generator.output"], ref["task.output.image"]) < END_TO_END
    assert (tmp_path / "out.png").stat().st_size > 0


@pytest.mark.parametrize("bundle,backend", RUNS + ([] if SANITIZED else [("hifigan", "cpu")]))
def test_image_guided_voice_conversion(tmp_path, bundle, backend):
    ref, cfg = load_dump(bundle, "voice_from_face")
    out = tmp_path / "out.wav"
    xfv("voice", *common(bundle, cfg, backend), "--source", fixture(cfg["voice"]), "--reference",
        fixture(cfg["reference"]), "--out", str(out), "--float-wav", *noise_args(tmp_path, ref))
    rate, wave = read_wav(out)
    assert rate == (22050 if bundle == "hifigan" else 24000)
    assert rel_l2(wave, ref["task.output.wave"][0]) < END_TO_END


def test_intra_modal_voice_conversion_through_hifigan(tmp_path):
    ref, cfg = load_dump("hifigan", "voice_from_voice")
    out = tmp_path / "out.wav"
    xfv("voice", *common("hifigan", cfg, "cpu"), "--source", fixture(cfg["voice"]), "--reference",
        fixture(cfg["reference"]), "--out", str(out), "--float-wav")
    assert rel_l2(read_wav(out)[1], ref["task.output.wave"][0]) < END_TO_END


@pytest.mark.parametrize("bundle,backend", RUNS)
def test_latent_generation_makes_a_face_and_a_voice_per_style(tmp_path, bundle, backend):
    ref, cfg = load_dump(bundle, "generate")
    dump = tmp_path / "values.safetensors"
    xfv("generate", *common(bundle, cfg, backend), "--latent", fixture(cfg["latent"]), "--face", fixture(cfg["face"]),
        "--voice", fixture(cfg["voice"]), "--out-dir", str(tmp_path), "--float-wav", "--dump-tensors", str(dump),
        *noise_args(tmp_path, ref))
    got, _ = safetensors_io.read(str(dump))
    assert rel_l2(got["mapping_network.output"], ref["task.style"]) < END_TO_END
    assert rel_l2(got["image_generator.output"], ref["task.output.image"]) < END_TO_END
    for k in range(cfg["count"]):
        assert (tmp_path / f"face_{k}.png").stat().st_size > 0
        assert rel_l2(read_wav(tmp_path / f"voice_{k}.wav")[1], ref["task.output.wave"][k]) < END_TO_END


def write_cut(path, wav, seconds, start=0.0):
    rate, x = read_wav(wav)
    return write_pcm16(path, x[int(start * rate):int((start + seconds) * rate)], rate)


def test_a_batch_gives_what_one_at_a_time_runs_give(tmp_path):
    """Faces as one batch; voices batched by length (two of one length, one of another)."""
    weights = fixture("small.safetensors")
    faces = [fixture("astronaut.png"), fixture("coffee.png")]
    ref = fixture("small_reference24k.wav")
    batch = tmp_path / "batch"
    batch.mkdir()
    xfv("image", "--weights", weights, "--domain", "domain1", "--source", *faces, "--reference", ref,
        "--out-dir", str(batch), "--dump-tensors", str(batch / "faces.safetensors"))
    together = safetensors_io.read(str(batch / "faces.safetensors"))[0]["image_generator.output"]
    for i, face in enumerate(faces):
        one = tmp_path / f"one{i}.safetensors"
        xfv("image", "--weights", weights, "--domain", "domain1", "--source", face, "--reference", ref,
            "--out", str(tmp_path / f"one{i}.png"), "--dump-tensors", str(one))
        assert np.array_equal(safetensors_io.read(str(one))[0]["image_generator.output"][0], together[i])
        assert (batch / f"{os.path.splitext(os.path.basename(face))[0]}.png").read_bytes() == \
            (tmp_path / f"one{i}.png").read_bytes()

    src = fixture("small_source24k.wav")
    voices = [write_cut(tmp_path / "a.wav", src, 0.9), write_cut(tmp_path / "b.wav", ref, 0.9, 0.1),
              write_cut(tmp_path / "c.wav", src, 0.95, 0.05)]
    xfv("voice", "--weights", weights, "--domain", "domain2", "--source", *voices, "--reference", fixture("astronaut.png"),
        "--out-dir", str(batch), "--float-wav")
    for v in voices:
        name = os.path.basename(v)
        xfv("voice", "--weights", weights, "--domain", "domain2", "--source", v, "--reference", fixture("astronaut.png"),
            "--out", str(tmp_path / f"one_{name}"), "--float-wav")
        assert np.array_equal(read_wav(batch / name)[1], read_wav(tmp_path / f"one_{name}")[1])


def jumps(mel):
    """The size of each frame-to-frame step of a mel (1, 1, 80, T)."""
    return np.linalg.norm(np.diff(mel[0, 0].astype(np.float64), axis=1), axis=0)


def test_long_audio_runs_in_chunks_without_clicks(tmp_path):
    """An utterance past --max-frames runs in overlapping chunks: close to the whole run, and
    no larger step at the joins than the whole run has anywhere."""
    rate, x = read_wav(fixture("small_source24k.wav"))
    long = write_pcm16(tmp_path / "long.wav", np.concatenate([x, x[::-1], x, 0.5 * x] * 2), rate)  # 8 s, 641 frames
    runs = {}
    for name, extra in (("whole", []), ("chunked", ["--max-frames", "360"])):
        dump = tmp_path / f"{name}.safetensors"
        xfv("voice", "--weights", fixture("small.safetensors"), "--domain", "domain0", "--source", long, "--seed", "3",
            "--out", str(tmp_path / f"{name}.wav"), "--float-wav", "--dump-tensors", str(dump), *extra)
        runs[name] = safetensors_io.read(str(dump))[0]["voice.converted"]
    whole, chunked = runs["whole"], runs["chunked"]
    assert whole.shape == chunked.shape == (1, 1, 80, 640)
    deviation = rel_l2(chunked, whole)
    assert 0 < deviation < 0.5, deviation  # the chunks' instance-norm statistics differ from the whole's
    assert jumps(chunked).max() <= 1.05 * jumps(whole).max()
    wave_whole, wave_chunked = read_wav(tmp_path / "whole.wav")[1], read_wav(tmp_path / "chunked.wav")[1]
    assert wave_whole.shape == wave_chunked.shape and np.isfinite(wave_chunked).all()


def test_a_reference_recording_keeps_its_level_as_in_the_demo(tmp_path):
    """The StarGANv2-VC demo peak-normalizes the source it converts but takes a reference's
    style from the recording as loaded (compute_style), and the style encoder is not
    scale-invariant: the small reference at half its level gives another style, in PyTorch
    and in xfv alike, and xfv converts with it as PyTorch does."""
    half, cfg = load_dump("small", "voice_from_voice")
    whole, whole_cfg = load_dump("small", "image_from_voice")
    assert cfg["domain_index"] == whole_cfg["domain_index"]
    level = read_wav(fixture(cfg["reference"]))[1], read_wav(fixture(whole_cfg["reference"]))[1]
    assert np.abs(level[0] - 0.5 * level[1]).max() <= 1 / 32768  # one recording at two levels
    assert rel_l2(half["task.style"], whole["task.style"]) > 100 * END_TO_END
    dump, out = tmp_path / "values.safetensors", tmp_path / "out.wav"
    xfv("voice", *common("small", cfg, "cpu"), "--source", fixture(cfg["voice"]), "--reference",
        fixture(cfg["reference"]), "--out", str(out), "--float-wav", "--dump-tensors", str(dump),
        *noise_args(tmp_path, half))
    got, _ = safetensors_io.read(str(dump))
    assert rel_l2(got["audio_style_encoder.output"], half["task.style"]) < END_TO_END
    assert rel_l2(read_wav(out)[1], half["task.output.wave"][0]) < END_TO_END
    assert rel_l2(got["audio_style_encoder.output"], whole["task.style"]) > 100 * END_TO_END


def test_a_reference_is_read_by_its_content_not_its_name(tmp_path):
    disguised = tmp_path / "voice.png"
    disguised.write_bytes(open(fixture("small_reference24k.wav"), "rb").read())
    outs = []
    for ref in (fixture("small_reference24k.wav"), str(disguised)):
        out = tmp_path / f"out{len(outs)}.png"
        xfv("image", "--weights", fixture("small.safetensors"), "--domain", "domain0", "--source",
            fixture("astronaut.png"), "--reference", ref, "--out", str(out))
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def refused(tmp_path, *args):
    out = tmp_path / "refused.png"
    r = subprocess.run([XFV, *args, "--out", str(out)], capture_output=True, text=True)
    assert r.returncode != 0 and not out.exists(), r.stdout
    return r.stderr


def edited_bundle(tmp_path, edit):
    tensors, meta = safetensors_io.read(fixture("small.safetensors"))
    edit(meta)
    path = tmp_path / "edited.safetensors"
    safetensors_io.write(str(path), tensors, meta)
    return str(path)


def test_bundle_parts_that_disagree_are_refused_naming_both(tmp_path):
    def style_dim(meta):
        cfg = json.loads(meta["xfv.config.audio_generator"])
        cfg["style_dim"] = 32
        meta["xfv.config.audio_generator"] = json.dumps(cfg)

    def recipe(meta):
        voice = json.loads(meta["xfv.voice"])
        voice["mel"].update(recipe="hifigan", sampling_rate=22050, n_fft=1024, win_size=1024, hop_size=256,
                            filterbank_rate=22050, scale="slaney")
        meta["xfv.voice"] = json.dumps(voice)

    face = fixture("astronaut.png")
    err = refused(tmp_path, "image", "--weights", edited_bundle(tmp_path, style_dim), "--domain", "0", "--source", face,
                  "--seed", "1")
    assert "image_generator has style_dim 16" in err and "audio_generator has style_dim 32" in err, err
    err = refused(tmp_path, "image", "--weights", edited_bundle(tmp_path, recipe), "--domain", "0", "--source", face,
                  "--seed", "1")
    assert "audio_generator's mel" in err and "Parallel WaveGAN" in err, err


def test_a_domain_a_network_lacks_is_an_error_naming_the_network(tmp_path):
    err = refused(tmp_path, "image", "--weights", fixture("small.safetensors"), "--domain", "female", "--source",
                  fixture("astronaut.png"), "--reference", fixture("small_reference24k.wav"))
    assert "'female' is unknown to 'audio_style_encoder'" in err, err
    err = refused(tmp_path, "image", "--weights", fixture("full.safetensors"), "--domain", "p225", "--source",
                  fixture("astronaut.png"), "--reference", fixture("coffee.png"))
    assert "'p225' is unknown to 'image_style_encoder'" in err and "female, male" in err, err


def style_of(tmp_path, weights, domain, reference):
    """The style `xfv image` takes from a reference (its style network's output)."""
    dump = tmp_path / "values.safetensors"
    xfv("image", "--weights", weights, "--domain", domain, "--source", fixture("astronaut.png"), "--reference",
        reference, "--out", str(tmp_path / "out.png"), "--dump-tensors", str(dump))
    values, _ = safetensors_io.read(str(dump))
    return next(v for k, v in values.items() if k.endswith("style_encoder.output"))


def test_a_domain_name_the_network_knows_wins_over_an_index(tmp_path):
    """The image style encoder's domains renamed "2", "0", "1": --domain 1 is the one named
    "1", index 2, not index 1."""
    renamed = edited_bundle(tmp_path, lambda meta: meta.update({"xfv.domains.image_style_encoder": '["2", "0", "1"]'}))
    face = fixture("coffee.png")
    got = style_of(tmp_path, renamed, "1", face)
    assert np.array_equal(got, style_of(tmp_path, fixture("small.safetensors"), "domain2", face))
    assert not np.array_equal(got, style_of(tmp_path, fixture("small.safetensors"), "domain1", face))


def test_a_decimal_index_past_its_network_s_domains_is_an_error_naming_them(tmp_path):
    """Each network's own count: full's image style encoder knows 2 domains (its mapping
    network 22), small's mapping network 3."""
    err = refused(tmp_path, "image", "--weights", fixture("full.safetensors"), "--domain", "5", "--source",
                  fixture("astronaut.png"), "--reference", fixture("coffee.png"))
    assert "domain '5' is unknown to 'image_style_encoder' (2 domains: female, male)" in err, err
    err = refused(tmp_path, "voice", "--weights", fixture("small.safetensors"), "--domain", "3", "--source",
                  fixture("small_source24k.wav"), "--seed", "1")
    assert "domain '3' is unknown to 'mapping_network' (3 domains: domain0, domain1, domain2)" in err, err
