"""The PyTorch side of the benches' timing, on the CPU or a GPU: one untimed warm-up run, then
`repeats` timed runs, each synchronized on a GPU so that its queued kernels count; and the
precision xfv's --precision names, as PyTorch runs it."""
import contextlib
import statistics
import time

import torch

PRECISIONS = ("fp32", "tf32", "bf16", "fp16")


def precisions(arg):
    """The precisions of a --precision argument: a comma-separated list of PRECISIONS, or "all"."""
    names = PRECISIONS if arg == "all" else tuple(arg.split(","))
    for name in names:
        if name not in PRECISIONS:
            raise SystemExit(f"--precision: {name!r} is none of {', '.join(PRECISIONS)}, all")
    return names


@contextlib.contextmanager
def precision(name, device):
    """PyTorch at xfv's precision `name`: fp32 with TF32 off (the reference); tf32 with
    allow_tf32 on for matmuls and cuDNN convs; bf16 and fp16 under autocast (convs and linear
    layers in the half type, fp32 accumulate, as xfv's tensor-core layers)."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = name == "tf32"
    try:
        if name in ("bf16", "fp16"):
            dtype = torch.bfloat16 if name == "bf16" else torch.float16
            autocast = torch.autocast(torch.device(device).type, dtype=dtype)
            try:
                autocast.__enter__()
            except RuntimeError as e:  # PyTorch before 2.x autocasts to bf16 only on the CPU
                raise SystemExit(f"--precision {name}: PyTorch {torch.__version__} cannot autocast to it "
                                 f"on {device}: {e}")
            try:
                yield
            finally:
                autocast.__exit__(None, None, None)
        else:
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def median_ms(run, repeats, device):
    """Median wall time of run() in milliseconds, after one untimed run."""
    def synchronize():
        if torch.device(device).type == "cuda":
            torch.cuda.synchronize(device)

    run()
    synchronize()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def describe(device, threads):
    """What ran the timing: the GPU's name, or the CPU thread count."""
    if torch.device(device).type == "cuda":
        return f"torch {torch.__version__} on {torch.cuda.get_device_name(device)} (eager)"
    return f"torch {torch.__version__}, {threads} threads"
