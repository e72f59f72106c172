// What the C API's test files share: the fixture folders CTest passes (XFV_FACES,
// XFV_HIFIGAN, XFV_XFAVOT), handles that close themselves, a suite base that opens a model
// and one session of it, output buffers poisoned with NaN (so that a value left unwritten
// shows), and the XFaVoT tasks run through one session (the threads' and budget tests'
// unit of work).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/include/xfv.h"
#include "engine/io/audio.h"
#include "engine/safetensors.h"

namespace capi {

// The folder an environment variable names ("" when unset: the test is run outside ctest).
std::string fixture_dir(const char* variable);
inline std::string faces_dir() { return fixture_dir("XFV_FACES"); }
inline std::string hifigan_dir() { return fixture_dir("XFV_HIFIGAN"); }
inline std::string xfavot_dir() { return fixture_dir("XFV_XFAVOT"); }
inline std::string small_bundle() { return xfavot_dir() + "/small.safetensors"; }

std::vector<float> poisoned(size_t n);
bool finite(const std::vector<float>& v);
// This thread's last message holds `text`.
bool has_text(const std::string& text);
const std::vector<float>& tensor(const xfv::TensorFile& f, const std::string& name);
// A recording of the XFaVoT fixtures as a client holds it: mono samples at the file's own
// rate, not yet normalized.
xfv::MonoAudio recording(const std::string& name);
// Two faces at 64 x 64 (the small bundle's): the astronaut and the coffee cup.
std::vector<float> two_faces();

// Handles closed when they go: a session before its model when declared after it. A model
// that refuses to close (a session still open) fails the test.
struct SessionCloser {
  void operator()(xfv_session* s) const { xfv_session_close(s); }
};
struct ModelCloser {
  void operator()(xfv_model* m) const { EXPECT_EQ(xfv_model_close(m), 0) << xfv_last_error(); }
};
struct StreamCloser {
  void operator()(xfv_stream* s) const { xfv_stream_close(s); }
};
using SessionPtr = std::unique_ptr<xfv_session, SessionCloser>;
using ModelPtr = std::unique_ptr<xfv_model, ModelCloser>;
using StreamPtr = std::unique_ptr<xfv_stream, StreamCloser>;

// A suite whose tests run on one model and one session of it (the defaults).
class CApiSuite : public ::testing::Test {
 protected:
  // Opens `file` in the folder `variable` names on `backend`; skips the test when the
  // variable is unset (ctest sets it once the fixtures it needs are built).
  void open(const char* variable, const std::string& file, const char* backend = "cpu");
  xfv_model* model() const { return model_.get(); }
  xfv_session* session() const { return session_.get(); }

 private:
  ModelPtr model_;
  SessionPtr session_;
};

// Every call of the three tasks on the small bundle, on one session.
struct TaskResults {
  std::vector<float> voice_style, face_style, latent_styles, faces, wave;
  bool operator==(const TaskResults& o) const {
    return voice_style == o.voice_style && face_style == o.face_style && latent_styles == o.latent_styles &&
           faces == o.faces && wave == o.wave;
  }
};
// The networks run_tasks runs.
inline constexpr const char* kTaskNetworks[] = {"image_style_encoder", "audio_style_encoder", "mapping_network",
                                                "image_generator",     "f0_model",            "audio_generator",
                                                "vocoder"};
// Audio-guided image translation, image-guided voice conversion and latent-guided
// generation of `voice` and `two_faces()`, with profiling on and noise seed 4. `after_call`,
// when given, runs after each call that runs networks (the budget tests look at the
// session's bytes there). Failures are test failures and leave NaN or empty results.
TaskResults run_tasks(xfv_model* model, xfv_session* session, const xfv::MonoAudio& voice,
                      const std::vector<float>& faces, const std::function<void()>& after_call = {});

// The domain of each network that selects one in run_tasks.
const std::map<std::string, int>& task_domains();

// Bytes of the tensors of a safetensors file per network (the name up to its first '.'),
// read from the file's own header: the independent count of what the model holds. A network
// named in `domains` counts only its own domain's head (`<network>.unshared.<domain>.`), as
// a model holds once its sessions have run that domain alone.
std::map<std::string, int64_t> file_tensor_bytes(const std::string& path, const std::map<std::string, int>& domains = {});

}  // namespace capi
