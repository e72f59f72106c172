// Float64 references of the voice networks' ops (kernels/ops.h), apart from
// reference64.cpp to keep each file short; reference64() dispatches to them.
#pragma once

#include <vector>

#include "kernels/ops.h"

namespace xfv {
namespace reference64_voice {

using In = std::vector<std::vector<float>>;
using Out = std::vector<double>;

Out ref(const GatedActivationArgs& a, const In& in);
Out ref(const MaxPoolArgs& a, const In& in);
Out ref(const AdaptiveAvgPoolArgs& a, const In& in);
Out ref(const ReplicationPadArgs& a, const In& in);
Out ref(const UpsampleFirArgs& a, const In& in);
Out ref(const TransposeArgs& a, const In& in);
Out ref(const TimeWindowArgs& a, const In& in);

}  // namespace reference64_voice
}  // namespace xfv
