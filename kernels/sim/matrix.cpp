// Tensor-core warp operations of sim (matrix.h): mma.sync and ldmatrix as warp collectives.
// Each lane joins with its own registers; the last lane to arrive places every lane's
// fragment elements in the matrices by the PTX ISA's per-lane layouts, computes, and hands
// each lane its part of the result. A layout that a kernel gets wrong therefore gives wrong
// numbers here, as on the GPU.
//
// The layouts are those of the PTX ISA, "Warp Level Matrix Multiply-Accumulate
// Instructions": "Matrix Fragments for mma.m16n8k8" (.tf32; docs.nvidia.com/cuda/
// parallel-thread-execution/#warp-level-matrix-fragment-mma-1688), "Matrix Fragments for
// mma.m16n8k16 with floating point type" (.f16, .bf16), and "Warp-level matrix load
// instruction: ldmatrix" (#warp-level-matrix-instructions-ldmatrix, the figure "ldmatrix
// fragment layout for one 8x8 Matrix with 16-bit elements"). There
//   groupID = %laneid >> 2, threadID_in_group = %laneid % 4,
// and a 16-bit register holds its lower-numbered element in the low half.

#include <cstdint>
#include <cstring>
#include <sstream>

#include "../precision.h"
#include "internal.h"
#include "matrix.h"

namespace xfv::sim::detail {
namespace {

constexpr int kM = 16, kN = 8, kMaxK = 16;

struct Coord {
  int row, col;
};

bool is_tf32_shape(MmaShape s) { return s == MmaShape::M16N8K8Tf32; }

// Element i of the lane's A fragment (a0..a3 for .tf32; a0..a7 for .f16/.bf16).
Coord a_coord(MmaShape s, int lane, int i) {
  const int g = lane >> 2, t = lane % 4;
  if (is_tf32_shape(s)) return {g + 8 * (i & 1), t + 4 * (i >> 1)};
  return {g + 8 * ((i >> 1) & 1), 2 * t + (i & 1) + 8 * (i >> 2)};
}

// Element i of the lane's B fragment (b0, b1 for .tf32; b0..b3 for .f16/.bf16), B being K x N.
Coord b_coord(MmaShape s, int lane, int i) {
  const int g = lane >> 2, t = lane % 4;
  if (is_tf32_shape(s)) return {t + 4 * i, g};
  return {2 * t + (i & 1) + 8 * (i >> 1), g};
}

// Element i of the lane's C or D fragment (c0..c3, f32): the same for every shape here.
Coord cd_coord(int lane, int i) {
  const int g = lane >> 2, t = lane % 4;
  return {g + 8 * (i >> 1), 2 * t + (i & 1)};
}

// Element i of a fragment held in `regs`: one .tf32 per register, two 16-bit ones.
float element(MmaShape s, const std::uint32_t* regs, int i) {
  if (is_tf32_shape(s)) return bits_float(regs[i]);
  const auto half = static_cast<std::uint16_t>(regs[i / 2] >> (16 * (i % 2)));
  return s == MmaShape::M16N8K16Bf16 ? bf16_value(half) : f16_value(half);
}

const char* mma_name(MmaShape s) {
  switch (s) {
    case MmaShape::M16N8K8Tf32: return "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32";
    case MmaShape::M16N8K16Bf16: return "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32";
    case MmaShape::M16N8K16F16: return "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32";
  }
  return "mma.sync";
}

struct MmaLane {
  MmaShape shape;
  const std::uint32_t* a;
  const std::uint32_t* b;
  const float* c;
  float* d;
};

void mma_combine(void* const lanes[32]) {
  const MmaShape shape = static_cast<const MmaLane*>(lanes[0])->shape;
  const bool tf32 = is_tf32_shape(shape);
  const int k_dim = tf32 ? 8 : 16, a_count = tf32 ? 4 : 8, b_count = tf32 ? 2 : 4;
  float a[kM][kMaxK], b[kMaxK][kN], c[kM][kN];
  for (int lane = 0; lane < 32; ++lane) {
    const MmaLane& l = *static_cast<const MmaLane*>(lanes[lane]);
    for (int i = 0; i < a_count; ++i) {
      const Coord p = a_coord(shape, lane, i);
      a[p.row][p.col] = element(shape, l.a, i);
    }
    for (int i = 0; i < b_count; ++i) {
      const Coord p = b_coord(shape, lane, i);
      b[p.row][p.col] = element(shape, l.b, i);
    }
    for (int i = 0; i < 4; ++i) {
      const Coord p = cd_coord(lane, i);
      c[p.row][p.col] = l.c[i];
    }
  }
  // A product of two operands of at most 11 significant bits is exact in fp32. The hardware
  // adds the products and C in an order and at an internal precision that PTX leaves
  // unspecified; sim adds them in fp32, C first, then k ascending. Tests therefore compare
  // with a float64 sum of the same rounded operands under a tolerance of the fp32
  // accumulation's error, far below what a misplaced element gives.
  float d[kM][kN];
  for (int m = 0; m < kM; ++m)
    for (int n = 0; n < kN; ++n) {
      float sum = c[m][n];
      for (int k = 0; k < k_dim; ++k) sum += a[m][k] * b[k][n];
      d[m][n] = sum;
    }
  for (int lane = 0; lane < 32; ++lane) {
    const MmaLane& l = *static_cast<const MmaLane*>(lanes[lane]);
    for (int i = 0; i < 4; ++i) {
      const Coord p = cd_coord(lane, i);
      l.d[i] = d[p.row][p.col];
    }
  }
}

// A .tf32 operand must come from cvt.rna.tf32.f32 (to_tf32): what the hardware makes of the
// 13 low bits of a plain fp32 is unspecified, so a kernel that skips the rounding is wrong.
void check_tf32(const char* name, const std::uint32_t* regs, int count, char operand) {
  for (int i = 0; i < count; ++i) {
    if (is_tf32(regs[i])) continue;
    std::ostringstream s;
    s << name << ": lane " << lane_id() << "'s " << operand << "[" << i << "] = 0x" << std::hex
      << regs[i] << " is not a TF32 value (its low 13 bits are set); round operands with "
      << "to_tf32 (cvt.rna.tf32.f32)";
    kernel_fault(s.str());
  }
}

struct LdmatrixLane {
  int count;
  bool trans;
  const unsigned char* row;
  std::uint32_t* r;
};

const char* ldmatrix_name(int count, bool trans) {
  static const char* const names[2][3] = {
      {"ldmatrix.sync.aligned.m8n8.x1.shared.b16", "ldmatrix.sync.aligned.m8n8.x2.shared.b16",
       "ldmatrix.sync.aligned.m8n8.x4.shared.b16"},
      {"ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16",
       "ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16",
       "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"}};
  return names[trans ? 1 : 0][count == 1 ? 0 : count == 2 ? 1 : 2];
}

// Matrix j's row q is the 16 bytes at the address that lane 8 j + q supplies. Lane l receives
// in register j the elements (row groupID, columns 2 threadID_in_group and the next) of
// matrix j; with .trans, those of the transposed matrix.
void ldmatrix_combine(void* const lanes[32]) {
  auto lane_data = [&](int lane) -> LdmatrixLane& {
    return *static_cast<LdmatrixLane*>(lanes[lane]);
  };
  auto at = [&](int matrix, int row, int col) {
    std::uint16_t v;
    std::memcpy(&v, lane_data(8 * matrix + row).row + 2 * col, sizeof v);
    return std::uint32_t{v};
  };
  const int count = lane_data(0).count;
  const bool trans = lane_data(0).trans;
  std::uint32_t out[32][4];
  for (int lane = 0; lane < 32; ++lane) {
    const int g = lane >> 2, t = lane % 4;
    for (int j = 0; j < count; ++j)
      out[lane][j] = trans ? at(j, 2 * t, g) | at(j, 2 * t + 1, g) << 16
                           : at(j, g, 2 * t) | at(j, g, 2 * t + 1) << 16;
  }
  // Results only after every read, in case a lane's destination overlaps a source row.
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < count; ++j) lane_data(lane).r[j] = out[lane][j];
}

}  // namespace

int lane_id() {
  const Builtins& b = builtins;
  const unsigned linear =
      b.thread_idx.x + b.block_dim.x * (b.thread_idx.y + b.block_dim.y * b.thread_idx.z);
  return static_cast<int>(linear % 32);
}

void mma_sync(MmaShape shape, float* d, const std::uint32_t* a, const std::uint32_t* b,
              const float* c, const char* file, int line) {
  const char* name = mma_name(shape);
  if (is_tf32_shape(shape)) {
    check_tf32(name, a, 4, 'a');
    check_tf32(name, b, 2, 'b');
  }
  MmaLane lane{shape, a, b, c, d};
  warp_matrix(name, &mma_combine, &lane, file, line);
}

void ldmatrix_sync(int count, bool trans, std::uint32_t* r, const void* row, const char* file,
                   int line) {
  const char* name = ldmatrix_name(count, trans);
  const auto address = reinterpret_cast<std::uintptr_t>(row);
  if (address % 16 != 0) {
    std::ostringstream s;
    s << name << ": lane " << lane_id() << "'s row address is not 16-byte aligned (it is "
      << address % 16 << " bytes past a 16-byte boundary)";
    kernel_fault(s.str());
  }
  LdmatrixLane lane{count, trans, static_cast<const unsigned char*>(row), r};
  warp_matrix(name, &ldmatrix_combine, &lane, file, line);
}

}  // namespace xfv::sim::detail
