"""The PyTorch side of the benches' timing, on the CPU or a GPU: one untimed warm-up run, then
`repeats` timed runs, each synchronized on a GPU so that its queued kernels count."""
import statistics
import time

import torch


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
