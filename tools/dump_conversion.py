#!/usr/bin/python3
"""The StarGANv2-VC demo's whole voice conversion in PyTorch, as the end-to-end reference of
`xfv voice`: a source and a reference recording (24 kHz WAV; the source peak-normalized, the
reference as loaded, as the demo's conversion cell and compute_style take them) to the mel, the reference's style for a speaker domain, JDC's F0 features, the
converted mel and the Parallel WaveGAN waveform with injected noise.

Writes one safetensors file of `voice.*` tensors:
  voice.input.source, voice.input.reference   (L,), (R,) the audio: the source peak-normalized,
                                             the reference as read
  voice.input.noise                          (300 * T',) standard normal, from --seed
  voice.source_mel                           (1, 1, 80, T) the source's normalized log-mel
  voice.style                                (1, style_dim) from the reference's mel
  voice.converted                            (1, 1, 80, T') the generator's output, T' = 4 floor(T/4)
  voice.output                               (300 * T',) the waveform

Usage: dump_conversion.py --checkpoint epoch_*.pth --jdc bst.t7 --vocoder checkpoint-*.pkl
           --source SRC.wav --reference REF.wav --domain D --out DUMP.safetensors
"""
import argparse
import json
import sys

import torch

from dump_capture import DumpError
from dump_networks import build_network, load_checkpoint, network_state_dict
from dump_voice import load_wav
import safetensors_io
from reference import stargan_vc


def network(path, name):
    sd = network_state_dict(load_checkpoint(path), name, path)
    return build_network(name, sd, path)


def convert(args):
    generator, gen_config = network(args.checkpoint, 'audio_generator')
    encoder, enc_config = network(args.checkpoint, 'audio_style_encoder')
    jdc, _ = network(args.jdc, 'f0_model')
    vocoder, voc_config = network(args.vocoder, 'vocoder')
    if not 0 <= args.domain < enc_config['num_domains']:
        raise DumpError(f"--domain {args.domain}: the style encoder has {enc_config['num_domains']} domains")
    source = load_wav(args.source, peak_normalize=True)
    reference = load_wav(args.reference, peak_normalize=False)
    with torch.no_grad():
        source_mel = stargan_vc.log_mel(source).unsqueeze(0).unsqueeze(0)
        reference_mel = stargan_vc.log_mel(reference).unsqueeze(0).unsqueeze(0)
        style = encoder(reference_mel, torch.tensor([args.domain]))
        f0 = jdc.get_feature_GAN(source_mel) if gen_config['F0_channel'] else None
        converted = generator(source_mel, style, f0)
        c = converted.transpose(-1, -2).squeeze()  # (T', 80), as the demo passes it
        hop = 1
        for s in voc_config['upsample_scales']:
            hop *= s
        noise = torch.randn(c.size(0) * hop, 1, generator=torch.Generator().manual_seed(args.seed))
        wave = vocoder.inference(c, x=noise)
    tensors = {'voice.input.source': source, 'voice.input.reference': reference,
               'voice.input.noise': noise.reshape(-1), 'voice.source_mel': source_mel, 'voice.style': style,
               'voice.converted': converted, 'voice.output': wave.reshape(-1)}
    safetensors_io.write(args.out, {k: v.contiguous().numpy() for k, v in tensors.items()}, {
        'xfv.dump.network': 'voice',
        'xfv.dump.config': json.dumps(dict(domain=args.domain, seed=args.seed, source=args.source,
                                           reference=args.reference)),
    })


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    for flag, what in (('--checkpoint', 'StarGANv2-VC epoch_*.pth'), ('--jdc', 'JDC bst.t7'),
                       ('--vocoder', 'Parallel WaveGAN checkpoint-*steps.pkl'),
                       ('--source', 'source recording (24 kHz WAV)'), ('--reference', 'reference recording (24 kHz WAV)'),
                       ('--out', 'the dump to write')):
        p.add_argument(flag, required=True, help=what)
    p.add_argument('--domain', type=int, default=0, help="the reference's speaker domain")
    p.add_argument('--seed', type=int, default=0, help="seed of the vocoder's noise")
    args = p.parse_args(argv)
    try:
        convert(args)
    except DumpError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
