# cuDNN, for the baselines only: the CUDA toolkit's folders, then the pip wheels' (nvidia-cudnn-*:
# site-packages/nvidia/cudnn/{lib,include}, whose library has only its versioned name) in
# XFV_WHEEL_DIRS. Defines CUDNN_FOUND and the imported target CUDNN::cudnn.
# -DCMAKE_DISABLE_FIND_PACKAGE_CUDNN=ON hides it, as on a machine without it.
find_library(CUDNN_LIBRARY NAMES cudnn libcudnn.so.9
             HINTS ${CUDAToolkit_LIBRARY_DIR} ${XFV_WHEEL_DIRS} PATH_SUFFIXES lib lib64)
find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} ${XFV_WHEEL_DIRS} PATH_SUFFIXES include)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CUDNN REQUIRED_VARS CUDNN_LIBRARY CUDNN_INCLUDE_DIR)
if(CUDNN_FOUND AND NOT TARGET CUDNN::cudnn)
  add_library(CUDNN::cudnn UNKNOWN IMPORTED)
  set_target_properties(CUDNN::cudnn PROPERTIES IMPORTED_LOCATION ${CUDNN_LIBRARY}
                                                INTERFACE_INCLUDE_DIRECTORIES ${CUDNN_INCLUDE_DIR})
endif()
