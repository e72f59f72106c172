// `xfv stream`: a voice conversion as a live stream (engine/tasks/voice_stream.h), from a
// recording or raw PCM on stdin, in chunks of --chunk-ms, to a WAV or raw PCM on stdout;
// with a report of its latency, its compute per chunk and, on request, its deviation from
// the whole conversion (docs/streaming.md).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cli/task_commands.h"

namespace xfv {

struct StreamOptions {
  TaskOptions task;            // weights, source, style (--reference, --seed, --latent), domain, backend
  double chunk_ms = 20;
  int lookahead_blocks = 4, step_blocks = 1;
  std::string gain = "fixed";  // fixed | running
  float fixed_gain = 1.f;
  std::string stats = "window:192";  // window:N | running | fixed:FILE
  int window_frames = 0;             // running, fixed: the window's frames (0: 192); window:N's N
  std::string report;
  bool compare_offline = false;
  bool exact_tiles = false;    // the vocoder's tiles on the whole run's grid
  int rate = 0;                // raw PCM's rate (source "-")
  std::string format = "f32";  // raw PCM: f32 | s16
};

CLI::App* add_stream_command(CLI::App& app, StreamOptions& o);
int stream_command(const StreamOptions& o);

}  // namespace xfv
