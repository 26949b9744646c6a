# `cmake --install build --prefix P`: headers, static libraries and the CMake package
# (find_package(wrpn): wrpn::runtime, and wrpn::wrpn with LibTorch), relocatable: every path in
# the installed files is relative to P.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(WRPN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/wrpn)

# The deployment side: the C API and the C++ runtime with what their headers include.
install(FILES ${PROJECT_SOURCE_DIR}/include/wrpn/wrpn.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wrpn)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/wrpn/runtime ${PROJECT_SOURCE_DIR}/src/wrpn/kernels
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wrpn FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/src/wrpn/data/image_input.h ${PROJECT_SOURCE_DIR}/src/wrpn/data/idx.h
              ${PROJECT_SOURCE_DIR}/src/wrpn/data/cifar.h ${PROJECT_SOURCE_DIR}/src/wrpn/data/jpeg.h
              ${PROJECT_SOURCE_DIR}/src/wrpn/data/crop_resize.h ${PROJECT_SOURCE_DIR}/src/wrpn/data/dataset.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wrpn/data)
install(TARGETS wrpn_warnings wrpn_kernels wrpn_runtime wrpn_capi wrpn_image_io EXPORT wrpnRuntime
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT wrpnRuntime NAMESPACE wrpn:: FILE wrpnRuntimeTargets.cmake DESTINATION ${WRPN_CMAKE_DIR})

if(WRPN_WITH_TORCH)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/wrpn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h" PATTERN "capi" EXCLUDE)
  install(TARGETS wrpn_lib EXPORT wrpnTraining ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT wrpnTraining NAMESPACE wrpn:: FILE wrpnTrainingTargets.cmake DESTINATION ${WRPN_CMAKE_DIR})
endif()

get_target_property(WRPN_KERNELS_DEFS wrpn_kernels COMPILE_DEFINITIONS)
if(WRPN_KERNELS_DEFS MATCHES "WRPN_WITH_ONEDNN")
  set(WRPN_KERNELS_ONEDNN ON)
else()
  set(WRPN_KERNELS_ONEDNN OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wrpnConfig.cmake.in ${CMAKE_BINARY_DIR}/wrpnConfig.cmake
                              INSTALL_DESTINATION ${WRPN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/wrpnConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/wrpnConfig.cmake ${CMAKE_BINARY_DIR}/wrpnConfigVersion.cmake DESTINATION ${WRPN_CMAKE_DIR})

# The Python package, importable with PYTHONPATH=P/lib/python3/dist-packages.
set(WRPN_PYTHON_DIR ${CMAKE_INSTALL_LIBDIR}/python3/dist-packages/wrpn)
file(GLOB WRPN_PYTHON_SOURCES ${PROJECT_SOURCE_DIR}/python/wrpn/*.py)
foreach(target wrpn_python_runtime wrpn_python_train wrpn_torch_ops)
  if(TARGET ${target})
    install(TARGETS ${target} LIBRARY DESTINATION ${WRPN_PYTHON_DIR})
    install(FILES ${WRPN_PYTHON_SOURCES} DESTINATION ${WRPN_PYTHON_DIR})
  endif()
endforeach()
