"""What every reference dump shares (tools/dump_reference.py and the modules it runs:
dump_networks, dump_voice, dump_hifigan): the error they report, the recorder of dump points
and its hooks, the style encoder's capture (either modality), the inputs' domain labels, PCM
WAV reading, and the dump file itself."""
import json

import numpy as np
import torch

import safetensors_io


class DumpError(Exception):
    pass


class Recorder:
    """Tensors by dump name, in the order they were produced."""

    def __init__(self, network):
        self.network = network
        self.points = {}

    def add(self, name, tensor):
        full = f'{self.network}.{name}'
        if full in self.points:
            # A module that runs twice has no single output: it cannot be a dump point.
            raise DumpError(f'{full} was produced twice')
        # A copy, so that no later in-place step can change what was recorded.
        self.points[full] = tensor.detach().clone()

    def hook(self, module, name):
        def record(_module, _inputs, output):
            self.add(name, output)
        return module.register_forward_hook(record)


def hook_all(recorder, module, names):
    modules = dict(module.named_modules())
    return [recorder.hook(modules[n], n) for n in names]


def run_hooked(rec, module, handles, *inputs):
    """Runs module on inputs, records its result as `output`, then removes the hooks."""
    try:
        with torch.no_grad():
            rec.add('output', module(*inputs))
    finally:
        for h in handles:
            h.remove()
    return rec.points


def capture_style_encoder(enc, x, y, network='image_style_encoder'):
    """Either modality's style encoder: the same module layout, under its own network name."""
    rec = Recorder(network)
    names = [f'shared.{i}' for i in range(len(enc.shared))] + [f'unshared.{int(y[0])}']
    return run_hooked(rec, enc, hook_all(rec, enc, names), x, y)


def domain_labels(domain, num_domains, batch):
    if not 0 <= domain < num_domains:
        raise DumpError(f'domain {domain} is out of range: the network has {num_domains}')
    return torch.full((batch,), domain, dtype=torch.int64)


def read_pcm_wav(path):
    """(rate, samples) of a PCM WAV (8/16/24/32-bit; channels averaged), float32 in [-1, 1]:
    integers over 2**(bits - 1), no normalization."""
    import wave as wavelib
    try:
        with wavelib.open(path, 'rb') as w:
            rate, channels, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            raw = w.readframes(n)
    except (OSError, EOFError, wavelib.Error) as e:
        raise DumpError(f'{path}: cannot read the WAV: {e}') from None
    if width == 1:
        a = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        a = np.frombuffer(raw, '<i2').astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        a = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float32) / 8388608
    else:
        a = np.frombuffer(raw, '<i4').astype(np.float32) / 2147483648
    return rate, a.reshape(-1, channels).mean(axis=1, dtype=np.float32)


def write_dump(path, network, inputs, points, config):
    tensors = {name: t.numpy() for name, t in {**inputs, **points}.items()}
    safetensors_io.write(path, tensors, {
        'xfv.dump.network': network,
        'xfv.dump.config': json.dumps(config, sort_keys=True),
        'xfv.dump.inputs': json.dumps(list(inputs)),
        'xfv.dump.points': json.dumps(list(points)),
    })

