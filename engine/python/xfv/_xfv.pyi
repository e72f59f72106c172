# Written by nanobind's stubgen from the built module (`python -m nanobind.stubgen -q -P -m xfv._xfv
# -o _xfv.pyi`); regenerate after changing xfv_module.cpp (tests/python/test_stubs.py checks
# that every name of the module is here).
"""
xfv's C API as Python classes; import xfv, not this module (docs/python.md)
"""

from typing import Optional

import numpy
from numpy.typing import NDArray
import xfv._profile


class Error(Exception):
    pass

class Model:
    """A weight file loaded on a backend, shared by threads (xfv_model)"""

    def __init__(self, path: str, backend: str = 'cpu') -> None: ...

    def close(self) -> None:
        """Frees the model; an error while a session of it is open"""

    @property
    def closed(self) -> bool: ...

    @property
    def path(self) -> str: ...

    @property
    def backend(self) -> str: ...

    @property
    def image_size(self) -> int | None:
        """S of the faces (3 x S x S); None without image networks"""

    @property
    def style_dim(self) -> int | None: ...

    @property
    def latent_dim(self) -> int | None:
        """the mapping network's latent; None without one"""

    @property
    def voice_rate(self) -> int | None:
        """the voice networks' rate, Hz; None without them"""

    @property
    def vocoder_rate(self) -> int | None:
        """a HiFi-GAN vocoder's rate, Hz; None without one"""

    @property
    def vocoder_hop(self) -> int | None:
        """a HiFi-GAN vocoder's samples per mel frame"""

    @property
    def vocoder_mel_bands(self) -> int | None:
        """a HiFi-GAN vocoder's mel bands"""

    @property
    def domains(self) -> dict[str, list[str]]:
        """domain names per style network the file holds"""

    def domain(self, network: str, name: str) -> int:
        """the index of a domain name"""

    def host_bytes(self, network: str | None = None) -> int:
        """weights read into host memory so far (xfv_model_host_bytes)"""

    def backend_bytes(self, network: str | None = None) -> int:
        """weights uploaded to the backend so far (xfv_model_backend_bytes)"""

    def converted_samples(self, count: int, rate: int) -> int: ...

    def latent_from_seed(self, seed: int) -> NDArray[numpy.float32]: ...

    def face_from_rgb8(self, rgb: object) -> NDArray[numpy.float32]:
        """(H, W, 3) uint8 to a (3, S, S) face"""

    def face_to_rgb8(self, face: object) -> NDArray[numpy.uint8]:
        """a (3, S, S) face to (S, S, 3) uint8"""

    def session(self, byte_budget: int = 2147483648, noise_seed: int = 0, profiling: bool = False, vocoder_frames: int = 0) -> Session:
        """a session of this model, for one thread"""

    def __enter__(self) -> object: ...

    def __exit__(self, *args) -> None: ...

class Session:
    """One thread's use of a model (xfv_session)"""

    def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...

    @property
    def model(self) -> object: ...

    def style_from_face(self, face: object, domain: object) -> NDArray[numpy.float32]: ...

    def style_from_voice(self, samples: object, rate: int, domain: object) -> NDArray[numpy.float32]: ...

    def styles_from_latents(self, latents: object, domain: object, psi: float = 1.0) -> NDArray[numpy.float32]: ...

    def style_from_latent(self, latent: object, domain: object, psi: float = 1.0) -> NDArray[numpy.float32]: ...

    def translate_face(self, source: object, style: object) -> NDArray[numpy.float32]: ...

    def translate_faces(self, sources: object, styles: object) -> NDArray[numpy.float32]: ...

    def convert_voice(self, samples: object, rate: int, style: object) -> NDArray[numpy.float32]: ...

    def mel_from_audio(self, audio: object) -> NDArray[numpy.float32]: ...

    def vocode(self, mel: object) -> NDArray[numpy.float32]: ...

    @property
    def noise_seed(self) -> int: ...

    @noise_seed.setter
    def noise_seed(self, arg: int, /) -> None: ...

    @property
    def profiling(self) -> bool: ...

    @profiling.setter
    def profiling(self, arg: bool, /) -> None: ...

    @property
    def byte_budget(self) -> int: ...

    @byte_budget.setter
    def byte_budget(self, arg: int, /) -> None: ...

    def bytes(self, network: str | None = None) -> int:
        """compiled graphs kept now (xfv_session_bytes)"""

    def last_profile_json(self) -> str:
        """the last call's profile as JSON; '' while off"""

    def last_profile(self) -> Optional[xfv._profile.Profile]:
        """the nodes the last call ran (xfv.Profile); None while profiling is off"""

    def stream(self, style: object, input_rate: int = 24000, chunk_samples: int = 480, gain: str = 'fixed', fixed_gain: float = 1.0, step_blocks: int = 1, lookahead_blocks: int = 4, window_frames: int = 192, noise_seed: int = 0, stats: str = 'window', calibration: object = None, calibration_rate: int = 0, exact_vocoder_tiles: bool = False) -> Stream:
        """a voice-conversion stream to `style` (xfv_stream_open, docs/streaming.md); stats 'window', 'running' or 'fixed' (with a calibration recording, float32 at calibration_rate, 0: input_rate)"""

    def vocoder_stream(self, step_frames: int = 1) -> Stream:
        """a stream of the vocoder alone: mel frames (frames, bands) in (xfv_vocoder_stream_open)"""

    def __enter__(self) -> object: ...

    def __exit__(self, *args) -> None: ...

class Stream:
    """A live conversion or vocoding on a session (xfv_stream)"""

    def push(self, data: object) -> None:
        """samples (1-D float32 or int16) at the input rate; a vocoder stream's frames (frames, bands) float32"""

    @property
    def available(self) -> int:
        """samples ready to pull"""

    def pull(self, max: int | None = None) -> NDArray[numpy.float32]:
        """the samples ready (at most `max`), float32"""

    def flush(self) -> None:
        """the input has ended: the rest becomes ready"""

    def reset(self) -> None:
        """a new utterance, the same style"""

    def set_style(self, style: object) -> None:
        """a new style for the steps to come"""

    @property
    def rate(self) -> int:
        """the output rate, Hz"""

    @property
    def latency(self) -> int:
        """the algorithmic latency, in output samples"""

    def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...

    def __enter__(self) -> object: ...

    def __exit__(self, *args) -> None: ...

def _validate(dump: str, weights: str, backend: str, isolate: bool) -> tuple[str, float, list[tuple[str, float, float, bool, float]]]: ...
