// XFV_HD marks functions that run on the host and on the device: the code the cpu backend
// shares with the kernels so that both take the same float steps. Plain C++ elsewhere.
#pragma once

#if defined(__CUDACC__)
#define XFV_HD __host__ __device__
#else
#define XFV_HD
#endif
