"""xfv from Python: XFaVoT's models and sessions over the engine's C API (docs/python.md).

    import numpy as np, xfv
    model = xfv.Model("bundle.safetensors", backend="cpu")     # or "sim", "cuda"
    with model.session(profiling=True) as s:
        style = s.style_from_voice(samples, 16000, "female")    # float32 in, numpy out
        face = s.translate_face(source, style)
        print(s.last_profile().total.ms)

Arrays are float32 (faces, styles, latents, voices, mels) or uint8 (RGB), C-contiguous
numpy arrays or CPU tensors with DLPack, read in place; every failure raises xfv.Error with
the engine's message.
"""

from ._xfv import Error, Model, Session, Stream
from ._profile import NetworkTotal, NodeProfile, Peaks, Profile, Roofline
from ._validate import Validation, ValidationPoint, validate

__all__ = ["Error", "Model", "Session", "Stream", "Profile", "NodeProfile", "NetworkTotal", "Peaks", "Roofline",
           "Validation", "ValidationPoint", "validate"]

