#!/usr/bin/env python3
"""A Triton Inference Server model repository for an xfv weight file (docs/serving.md).

Writes OUT/<task>/config.pbtxt and OUT/<task>/1/model.safetensors (a symbolic link to the
weight file, or a copy with --copy) for each task the file can serve, as its header names its
networks: `vocode` (a HiFi-GAN vocoder), `translate_face` (dynamic batching),
`style_from_face`, `style_from_voice`, `convert_voice`, `convert_stream` (the live
conversion: decoupled, under the sequence batcher), `style_from_latent`. Each model
loads the file once for its instances (backend `xfv`: libtriton_xfv.so).

  python3 tools/triton_repository.py xfavot.safetensors --out repo [--device cuda] [--instances 2]
  tritonserver --model-repository repo --backend-directory BACKENDS   # BACKENDS/xfv/libtriton_xfv.so
Standard library only: the server's machine needs no numpy for it.
"""
import argparse
import json
import os
import shutil
import struct
import sys


def networks_of(path):
    """{network: config} from the file's header (the `xfv.networks` and `xfv.config.*` metadata)."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        meta = json.loads(f.read(size)).get("__metadata__", {})
    if "xfv.networks" not in meta:
        sys.exit(f"{path}: not an xfv weight file (no xfv.networks in its header; tools/convert.py makes one)")
    return {n: json.loads(meta.get(f"xfv.config.{n}", "{}")) for n in json.loads(meta["xfv.networks"])}


def tensor(name, dims, dtype="TYPE_FP32", optional=False):
    flag = " optional: true" if optional else ""
    return f'  {{ name: "{name}" data_type: {dtype} dims: [ {", ".join(str(d) for d in dims)} ]{flag} }}'


# The live conversion's sequences: the batcher's controls, how many it keeps live per
# instance (max_candidate_sequences, the engine's max_streams the same) and how long one
# may idle (the batcher counts from a request's arrival, its execution included: a START
# that opens a stream on a busy CPU can take seconds); the stream's policies, the C API's
# defaults (docs/streaming.md).
STREAM_SEQUENCES = 4
STREAM_BATCHING = f"""model_transaction_policy {{ decoupled: true }}
sequence_batching {{
  max_sequence_idle_microseconds: 60000000
  control_input [
    {{ name: "START" control [ {{ kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] }} ] }},
    {{ name: "END" control [ {{ kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] }} ] }},
    {{ name: "CORRID" control [ {{ kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 }} ] }}
  ]
  oldest {{ max_candidate_sequences: {STREAM_SEQUENCES} }}
}}
"""
STREAM_PARAMETERS = {"gain": "fixed", "fixed_gain": "1", "stats": "window", "window_frames": "192",
                     "step_blocks": "1", "lookahead_blocks": "4", "exact_vocoder_tiles": "0",
                     "max_streams": str(STREAM_SEQUENCES)}


def tasks_of(nets):
    """{task: (inputs, outputs, max_batch_size)} for what the networks can serve."""
    style = next((c["style_dim"] for c in nets.values() if "style_dim" in c), None)
    one_int = lambda name: tensor(name, [1], "TYPE_INT32")
    tasks = {}
    vocoder = nets.get("vocoder", {})
    if vocoder.get("family") == "hifigan":
        tasks["vocode"] = ([tensor("MEL", [vocoder["num_mels"], -1])], [tensor("AUDIO", [-1])], 0)
    if "image_generator" in nets:
        s = nets["image_generator"]["img_size"]
        tasks["translate_face"] = ([tensor("SOURCE", [3, s, s]), tensor("STYLE", [style])],
                                   [tensor("FACE", [3, s, s])], 8)
    if "image_style_encoder" in nets:
        s = nets["image_style_encoder"]["img_size"]
        tasks["style_from_face"] = ([tensor("FACE", [3, s, s]), one_int("DOMAIN")], [tensor("STYLE", [style])], 0)
    if "audio_style_encoder" in nets:
        tasks["style_from_voice"] = ([tensor("VOICE", [-1]), one_int("RATE"), one_int("DOMAIN")],
                                     [tensor("STYLE", [style])], 0)
    if {"audio_generator", "f0_model", "vocoder"} <= nets.keys():
        tasks["convert_voice"] = ([tensor("VOICE", [-1]), one_int("RATE"), tensor("STYLE", [style])],
                                  [tensor("AUDIO", [-1])], 0)
        tasks["convert_stream"] = ([tensor("VOICE", [-1]), tensor("RATE", [1], "TYPE_INT32", optional=True),
                                    tensor("STYLE", [style], optional=True)], [tensor("AUDIO", [-1])], 0)
    if "mapping_network" in nets:
        tasks["style_from_latent"] = ([tensor("LATENT", [nets["mapping_network"]["latent_dim"]]), one_int("DOMAIN"),
                                       tensor("PSI", [1])], [tensor("STYLE", [style])], 0)
    return tasks


def config_text(task, inputs, outputs, max_batch, device, instances):
    kind = "KIND_GPU gpus: [ 0 ]" if device == "cuda" else "KIND_CPU"
    batching = "dynamic_batching { max_queue_delay_microseconds: 2000 }\n" if max_batch else ""
    params = {"task": task, "device": device, "weights": "model.safetensors"}
    if task == "convert_stream":
        batching = STREAM_BATCHING
        params.update(STREAM_PARAMETERS)
    return (f'name: "{task}"\nbackend: "xfv"\nmax_batch_size: {max_batch}\n{batching}'
            "input [\n" + ",\n".join(inputs) + "\n]\n"
            "output [\n" + ",\n".join(outputs) + "\n]\n"
            f"instance_group [ {{ count: {instances} kind: {kind} }} ]\n"
            + "".join(f'parameters {{ key: "{k}" value {{ string_value: "{v}" }} }}\n' for k, v in params.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weights", help="an xfv .safetensors file (a bundle, a side's file or a vocoder)")
    p.add_argument("--out", required=True, help="the repository folder (created; its task folders replaced)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda", "sim"], help="the engine's backend")
    p.add_argument("--instances", type=int, default=1, help="instances (sessions) per model")
    p.add_argument("--tasks", help="comma-separated subset of the tasks the file serves")
    p.add_argument("--copy", action="store_true", help="copy the weights instead of linking them")
    a = p.parse_args()
    weights = os.path.abspath(a.weights)
    tasks = tasks_of(networks_of(weights))
    if a.tasks:
        wanted = a.tasks.split(",")
        missing = [t for t in wanted if t not in tasks]
        if missing:
            sys.exit(f"{weights}: cannot serve {', '.join(missing)} (it serves: {', '.join(tasks) or 'nothing'})")
        tasks = {t: tasks[t] for t in wanted}
    if not tasks:
        sys.exit(f"{weights}: no task to serve")
    for task, (inputs, outputs, max_batch) in tasks.items():
        folder = os.path.join(a.out, task)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(os.path.join(folder, "1"))
        with open(os.path.join(folder, "config.pbtxt"), "w") as f:
            f.write(config_text(task, inputs, outputs, max_batch, a.device, a.instances))
        target = os.path.join(folder, "1", "model.safetensors")
        if a.copy:
            shutil.copyfile(weights, target)
        else:
            os.symlink(weights, target)
        print(f"{folder}: {task}")


if __name__ == "__main__":
    main()
