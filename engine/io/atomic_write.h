// Output files written whole or not at all, so that no reader ever finds a partial one under
// the output's name (a full disk, an RLIMIT_FSIZE, a failing device): the data goes to a
// temporary beside the output — the same folder, so that the rename stays on one file
// system — which is renamed into place only once complete. On any failure the temporary is
// removed and the FileError names the output. There is no fsync: a crash of the process
// leaves no partial file, a crash of the machine may.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace xfv {

// `write` makes the whole file at the temporary path it is given (for writers that open a
// path themselves, as libsndfile does), throwing on failure; then it is renamed to `path`.
void write_file_atomically(const std::string& path, const std::function<void(const std::string& temporary)>& write);
// `parts` one after the other, written the same way.
void write_atomically(const std::string& path, const std::vector<std::string_view>& parts);

}  // namespace xfv
