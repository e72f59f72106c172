"""`xfv image` on bad inputs: each a clear error naming the file and the problem, a non-zero
exit, and no output file left behind. Needs the xfv binary and the face fixtures, which
CTest provides (XFV_BIN, XFV_FACES); skipped when run outside CTest."""
import os

import numpy as np
import pytest

import safetensors_io
from cli_helpers import expect_error, run_task

XFV = os.environ.get("XFV_BIN")
FACES = os.environ.get("XFV_FACES")
pytestmark = pytest.mark.skipif(not XFV or not FACES, reason="run through ctest (XFV_BIN, XFV_FACES)")


@pytest.fixture
def weights():
    return os.path.join(FACES, "small_w0.safetensors")


@pytest.fixture
def face(tmp_path):
    from PIL import Image
    path = tmp_path / "face.png"
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((70, 50, 3)) * 255).astype(np.uint8)).save(path)
    return str(path)


def xfv_image(tmp_path, *args):
    return run_task(XFV, "image", tmp_path, args, "out.png")


def test_a_good_run_writes_the_png(tmp_path, weights, face):
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", face, "--domain", "1", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_tensor(tmp_path, weights, face):
    tensors, meta = safetensors_io.read(weights)
    del tensors["image_generator.decode.1.conv2.weight"]
    bad = str(tmp_path / "missing.safetensors")
    safetensors_io.write(bad, tensors, meta)
    r, out = xfv_image(tmp_path, "--weights", bad, "--source", face, "--domain", "0", "--seed", "1")
    expect_error(r, out, bad, "image_generator.decode.1.conv2.weight")


def test_misshaped_tensor(tmp_path, weights, face):
    tensors, meta = safetensors_io.read(weights)
    tensors["image_generator.from_rgb.bias"] = np.zeros(7, np.float32)
    bad = str(tmp_path / "misshaped.safetensors")
    safetensors_io.write(bad, tensors, meta)
    r, out = xfv_image(tmp_path, "--weights", bad, "--source", face, "--domain", "0", "--seed", "1")
    expect_error(r, out, bad, "image_generator.from_rgb.bias", "shape")


def test_truncated_weight_file(tmp_path, weights, face):
    bad = tmp_path / "truncated.safetensors"
    bad.write_bytes(open(weights, "rb").read()[:100000])
    r, out = xfv_image(tmp_path, "--weights", str(bad), "--source", face, "--domain", "0", "--seed", "1")
    expect_error(r, out, str(bad))


def test_zero_byte_and_unreadable_images(tmp_path, weights):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", str(empty), "--domain", "0", "--seed", "1")
    expect_error(r, out, str(empty))
    text = tmp_path / "text.png"
    text.write_text("not an image")
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", str(text), "--domain", "0", "--seed", "1")
    expect_error(r, out, str(text))
    missing = str(tmp_path / "missing.png")
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", missing, "--domain", "0", "--seed", "1")
    expect_error(r, out, missing)


def test_unknown_and_out_of_range_domains(tmp_path, weights, face):
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", face, "--domain", "cat", "--seed", "1")
    expect_error(r, out, "cat", "mapping_network")
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", face, "--domain", "9", "--reference", face)
    expect_error(r, out, "9", "image_style_encoder")


def test_bad_latent(tmp_path, weights, face):
    z = tmp_path / "z.npy"
    np.save(z, np.zeros((1, 15), np.float32))
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", face, "--domain", "0", "--latent", str(z))
    expect_error(r, out, "16")
    np.save(z, np.zeros((1, 16), np.float64))
    r, out = xfv_image(tmp_path, "--weights", weights, "--source", face, "--domain", "0", "--latent", str(z))
    expect_error(r, out, str(z), "float32")
