// What the two files of the C API share (engine/capi.cpp: models, sessions and the tasks;
// engine/capi_stream.cpp: the streams): the insides of a model and a session, the guard that
// turns an exception into -1 and a message, and the checks of arguments both make. Internal:
// no part of engine/include/xfv.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/include/xfv.h"
#include "engine/models/hifigan.h"
#include "engine/models/voice_settings.h"
#include "engine/profile.h"
#include "engine/tasks/bundle.h"

struct xfv_model {
  std::shared_ptr<const xfv::Model> model;
  std::map<std::string, std::vector<std::string>> domain_names;  // what xfv_domain_name returns
};

struct xfv_session {
  xfv_model* owner = nullptr;
  std::unique_ptr<xfv::Bundle> bundle;
  uint64_t noise_seed = 0;
  bool profiling = false;
  std::unique_ptr<xfv::Profile> profile;  // not movable: its hook points at it
  std::string profile_json;               // what xfv_last_profile_json returned
  bool profile_json_current = false;      // profile_json is the profile's JSON
  std::mutex close_lock;                  // guards the two below: a stream may close on another thread
  int open_streams = 0;
  bool closed = false;                    // xfv_session_close came while streams were open
};

namespace xfv::capi {

// This thread's last message: what xfv_last_error returns.
extern thread_local std::string last_error;

[[noreturn]] void refuse(const std::string& what);

// Runs `body`, turning an exception into -1 and a message prefixed with the call's name; 0
// on success, with the message cleared.
template <class Body>
int guarded(const char* call, Body body) {
  try {
    last_error.clear();
    body();
    return 0;
  } catch (const std::bad_alloc&) {
    last_error = std::string(call) + ": out of memory";
  } catch (const std::exception& e) {
    last_error = std::string(call) + ": " + e.what();
  } catch (...) {
    last_error = std::string(call) + ": unknown error";
  }
  return -1;
}

// guarded() for a query that returns a value: -1 on failure.
template <class Query>
auto queried(const char* call, Query query) -> decltype(query()) {
  decltype(query()) value = -1;
  return guarded(call, [&] { value = query(); }) == 0 ? value : -1;
}

// The session's Bundle; refused for a null or closed session.
xfv::Bundle& bundle(const xfv_session* s);
// Refuses a null buffer, naming it.
void need(const void* buffer, const char* what);
// The file holds `network`, which `use` needs; a FileError naming both otherwise.
void require(const xfv::Model& m, const std::string& network, const std::string& use);
// The voice side's settings, or the HiFi-GAN's configuration; a FileError for a file without it.
xfv::VoiceSettings voice_settings(const xfv::Model& m);
xfv::HifiGanConfig hifigan_config(const xfv::Model& m);
// Mel frames of a vocoder with `hop` samples per frame: at most kMaxAudioFrames of audio.
void checked_mel_frames(int64_t frames, int hop);
void checked_rate(int rate);
// Refuses a NaN or an infinity among a caller's faces or styles, which the networks would
// carry to their outputs (docs/reliability.md).
void check_finite(const std::vector<float>& values, const char* what);
// `n` styles from `data`, as a (n, style_dim) tensor, each value finite.
xfv::HostTensor styles(const xfv::Model& m, const float* data, int64_t n);

}  // namespace xfv::capi
