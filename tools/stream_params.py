"""struct xfv_stream_params of engine/include/xfv.h as a ctypes structure, for the scripts and
tests that call the C API's streams through ctypes (tools/triton_stream_latency.py,
tests/triton/test_stream.py, tests/python/test_streams.py)."""
import ctypes


class StreamParams(ctypes.Structure):
    _fields_ = [("input_rate", ctypes.c_int), ("chunk_samples", ctypes.c_int), ("running_peak_gain", ctypes.c_int),
                ("fixed_gain", ctypes.c_float), ("step_blocks", ctypes.c_int), ("lookahead_blocks", ctypes.c_int),
                ("window_frames", ctypes.c_int), ("noise_seed", ctypes.c_uint64), ("stats", ctypes.c_int),
                ("calibration", ctypes.POINTER(ctypes.c_float)), ("calibration_samples", ctypes.c_int64),
                ("calibration_rate", ctypes.c_int), ("exact_vocoder_tiles", ctypes.c_int)]
