"""The voice side's reference dumps (tools/dump_reference.py): the mel front end, JDC's F0
features, StarGANv2-VC's generator and style encoder, Parallel WaveGAN, on a 24 kHz WAV or
seeded random audio."""
import numpy as np
import torch

from dump_capture import DumpError, Recorder, capture_style_encoder, domain_labels, hook_all, read_pcm_wav, \
    run_hooked
from dump_networks import build_network
from reference import stargan_vc

DEFAULT_FRAMES = 192  # the voice networks' random audio


def capture_f0_model(jdc, x, network='f0_model'):
    rec = Recorder(network)
    handles = hook_all(rec, jdc, ['conv_block', 'res_block1', 'res_block2', 'res_block3',
                                   'pool_block.0', 'pool_block.1'])
    try:
        with torch.no_grad():
            rec.add('output', jdc.get_feature_GAN(x))
    finally:
        for h in handles:
            h.remove()
    return rec.points


def capture_audio_generator(gen, x, s, f0):
    rec = Recorder('audio_generator')
    names = (['stem'] + [f'encode.{i}' for i in range(len(gen.encode))]
             + (['F0_conv.0'] if f0 is not None else [])
             + [f'decode.{i}' for i in range(len(gen.decode))])
    handles = hook_all(rec, gen, names)
    enc_channels = gen.encode[-1].conv2.out_channels

    def before_decode(_module, inputs):
        if f0 is not None:
            rec.add('F0_pool', inputs[0][:, enc_channels:])  # adaptive_avg_pool2d of F0_conv
        rec.add('cat', inputs[0])
    handles.append(gen.decode[0].register_forward_pre_hook(before_decode))
    return run_hooked(rec, gen, handles, x, s, f0)


def capture_vocoder(voc, c, noise):
    rec = Recorder('vocoder')
    names = (['upsample_net.conv_in']
             + [f'upsample_net.upsample.up_layers.{2 * i + 1}'
                for i in range(len(voc.upsample_net.upsample.up_layers) // 2)]
             + ['upsample_net', 'first_conv', 'last_conv_layers.1', 'last_conv_layers.3'])
    handles = hook_all(rec, voc, names)
    taps = {}
    try:
        with torch.no_grad():
            out = voc.inference(c, x=noise, taps=taps)
    finally:
        for h in handles:
            h.remove()
    # The residual layers' outputs, in the order they ran, between first_conv and last_conv.
    points = {}
    for name, t in rec.points.items():
        if name == 'vocoder.last_conv_layers.1':
            for k, v in taps.items():
                points[f'vocoder.{k}'] = v.detach().clone()
        points[name] = t
    points['vocoder.output'] = out.detach().clone()
    return points


def capture_mel(wave):
    rec = Recorder('mel')
    with torch.no_grad():
        rec.add('spectrogram', stargan_vc.mel_spectrogram(wave))
        rec.add('output', stargan_vc.log_mel(wave).unsqueeze(0))
    return rec.points


def load_wav(path, peak_normalize):
    """A 24 kHz PCM WAV (8/16/24/32-bit, mono; stereo is averaged) as float32 in [-1, 1], as
    the StarGANv2-VC demo's librosa.load(path, sr=24000) reads it; then, with
    `peak_normalize`, divided by its peak magnitude (audio / max|audio|), as the demo treats
    the source it converts. The demo's compute_style takes a reference's mel as loaded: pass
    False for a reference. A silent or empty file is refused either way."""
    rate, a = read_pcm_wav(path)
    if rate != 24000:
        raise DumpError(f'{path}: sample rate {rate} Hz; the voice networks need 24000 Hz '
                        '(resample it first: the reference resamples with librosa)')
    peak = np.abs(a).max() if a.size else 0
    if peak == 0:
        raise DumpError(f'{path}: silent or empty audio')
    return torch.from_numpy(a / peak if peak_normalize else a)


def _wave(rng, frames, wav):
    if wav is not None:
        return load_wav(wav, peak_normalize=True)  # the mel of a source, as `xfv voice` takes one
    if frames < 1:
        raise DumpError(f'--frames must be positive, not {frames}')
    w = torch.randn(300 * frames - 1, generator=rng)
    return w / w.abs().max()


def run_voice(network, sd, jdc_sd=None, wav=None, seed=0, domain=0, batch=1, frames=192):
    """Like run() for the voice side. Returns (inputs, points, config)."""
    if wav is not None and batch != 1:
        raise DumpError('--wav gives a batch of one; --batch must be 1')
    rng = torch.Generator().manual_seed(seed)
    p = f'{network}.input.'
    if network == 'mel':
        wave = _wave(rng, frames, wav)
        config = dict(seed=seed, wav=wav, samples=int(wave.numel()), n_fft=stargan_vc.N_FFT,
                      win_length=stargan_vc.WIN_LENGTH, hop_length=stargan_vc.HOP_LENGTH,
                      n_mels=stargan_vc.N_MELS)
        return {p + 'wave': wave}, capture_mel(wave), config
    net, config = build_network(network, sd, network)
    config = dict(config, batch=batch, seed=seed, wav=wav)
    if network == 'vocoder':
        if batch != 1:
            raise DumpError('the vocoder runs one utterance (inference); --batch must be 1')
        c = stargan_vc.log_mel(_wave(rng, frames, wav)).transpose(0, 1).contiguous()  # (T, 80)
        hop = int(np.prod(config['upsample_scales']))
        noise = torch.randn(c.size(0) * hop, 1, generator=rng)
        config['frames'] = c.size(0)
        return {p + 'c': c, p + 'noise': noise}, capture_vocoder(net, c, noise), config
    mel = torch.stack([stargan_vc.log_mel(_wave(rng, frames, wav)) for _ in range(batch)]).unsqueeze(1)
    config['frames'] = mel.size(-1)
    if network == 'f0_model':
        return {p + 'x': mel}, capture_f0_model(net, mel), config
    if network == 'audio_style_encoder':
        if mel.size(-1) < 80:
            raise DumpError(f'the style encoder needs at least 80 frames, not {mel.size(-1)}')
        y = domain_labels(domain, config['num_domains'], batch)
        config['domain'] = domain
        return {p + 'x': mel, p + 'y': y}, capture_style_encoder(net, mel, y, 'audio_style_encoder'), config
    # audio_generator
    s = torch.randn(batch, config['style_dim'], generator=rng)
    inputs = {p + 'x': mel, p + 's': s}
    f0 = None
    if config['F0_channel']:
        if jdc_sd is None:
            raise DumpError('the audio generator needs the JDC F0 features: pass --jdc bst.t7')
        jdc, _ = build_network('f0_model', jdc_sd, 'f0_model')
        with torch.no_grad():
            f0 = jdc.get_feature_GAN(mel)
        if f0.size(1) != config['F0_channel']:
            raise DumpError(f"JDC gives {f0.size(1)} channels, the generator's F0_channel is "
                            f"{config['F0_channel']}")
        inputs[p + 'F0'] = f0
    return inputs, capture_audio_generator(net, mel, s, f0), config
