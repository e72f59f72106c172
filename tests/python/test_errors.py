"""Bad inputs, each an xfv.Error whose message names the call and the problem."""

import os

import numpy as np
import pytest

import xfv


@pytest.fixture
def model(small_bundle):
    m = xfv.Model(small_bundle)
    yield m
    if not m.closed:
        m.close()


def raises(pattern):
    return pytest.raises(xfv.Error, match=pattern)


def test_wrong_dtype(model):
    with model.session() as s:
        with raises(r"style_from_face: face must be float32, not float64"):
            s.style_from_face(np.zeros((3, 64, 64)), 0)
        with raises(r"face_from_rgb8: rgb must be uint8, not float32"):
            model.face_from_rgb8(np.zeros((8, 8, 3), np.float32))
        with raises(r"translate_face: source must be a numpy array .*not list"):
            s.translate_face([0.0] * 3, np.zeros(model.style_dim, np.float32))


def test_wrong_shape(model):
    with model.session() as s:
        with raises(r"style_from_face: face has shape \(3, 32, 32\), expected \(3, 64, 64\)"):
            s.style_from_face(np.zeros((3, 32, 32), np.float32), 0)
        with raises(r"translate_faces: styles has shape \(3, 16\), expected \(2, 16\)"):
            s.translate_faces(np.zeros((2, 3, 64, 64), np.float32), np.zeros((3, 16), np.float32))
        with raises(r"vocode: .*no HiFi-GAN vocoder"):
            s.vocode(np.zeros((80, 10), np.float32))
        with raises(r"style_from_voice: samples is empty"):
            s.style_from_voice(np.zeros(0, np.float32), 24000, 0)


def test_wrong_rate_and_short_voices(model):
    voice = np.random.default_rng().standard_normal(30000).astype(np.float32)
    with model.session() as s:
        with raises(r"style_from_voice: a rate of 0 Hz: 1000 to 768000 Hz are taken"):
            s.style_from_voice(voice, 0, 0)
        with raises(r"converted_samples: .*too short"):
            s.convert_voice(voice[:100], 24000, np.zeros(model.style_dim, np.float32))
        with raises(r"style_from_voice: .*out of the range of a C int"):
            s.style_from_voice(voice, 1 << 40, 0)


def test_wrong_domain(model):
    face = np.zeros((3, 64, 64), np.float32)
    with model.session() as s:
        with raises(r"xfv_style_from_face: .*domain 9 is out of the range of 'image_style_encoder'"):
            s.style_from_face(face, 9)
        with raises(r"xfv_domain: .*'image_style_encoder' has no domain named 'nobody'"):
            s.style_from_face(face, "nobody")
        with raises(r"style_from_face: domain must be an int .* or a str"):
            s.style_from_face(face, 1.5)


def test_closed_model_and_session(model):
    s = model.session()
    with raises(r"xfv_model_close: .*1 session\(s\) of this model are open; close them first"):
        model.close()
    s.close()
    with raises(r"style_from_face: the session is closed"):
        s.style_from_face(np.zeros((3, 64, 64), np.float32), 0)
    model.close()
    assert model.closed
    with raises(r"session: the model of .*small.safetensors is closed"):
        model.session()
    with raises(r"style_dim: the model of .* is closed"):
        model.style_dim


def test_files_and_backends(small_bundle, tmp_path):
    with raises(r"xfv_model_open: .*nothing.safetensors"):
        xfv.Model(str(tmp_path / "nothing.safetensors"))
    with raises(r"xfv_model_open: .*warp"):
        xfv.Model(small_bundle, backend="warp")
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(open(small_bundle, "rb").read(1000))
    with raises(r"xfv_model_open: .*truncated.safetensors"):
        xfv.Model(str(truncated))


def test_budget_and_session_parameters(model):
    with raises(r"xfv_session_open: .*vocoder frames"):
        model.session(vocoder_frames=-1)
    with model.session() as s:
        with raises(r"xfv_session_set_byte_budget: a byte budget of 0"):
            s.byte_budget = 0
        s.byte_budget = 6 << 20
        with raises(r"xfv_translate_face: .*'image_generator' at batch 1 needs .* over the session's budget"):
            s.translate_face(np.zeros((3, 64, 64), np.float32), np.zeros(model.style_dim, np.float32))


def test_validate_refuses_what_is_no_dump(small_bundle, tmp_path):
    with raises(r"validate: .*not an xfv reference dump"):
        xfv.validate(small_bundle, small_bundle)
    with raises(r"validate: .*missing.safetensors"):
        xfv.validate(str(tmp_path / "missing.safetensors"), small_bundle)
