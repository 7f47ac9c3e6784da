# What `cmake --install` (and `make install PREFIX=...`) puts where: the stripped binaries, man
# pages and shell completions written from the binary's own --help, the docs, the Python
# package, and the C++ library with its header, CMake package and pkg-config file. Included
# from the top CMakeLists.txt.
include(GNUInstallDirs)

option(COREFLOW_BUILD_DOCS "Write the man pages and shell completions from --help" ON)
# Debian's python3 reads lib/python3.X/dist-packages under both /usr and /usr/local; the
# package (debian/rules) uses the version-free lib/python3/dist-packages of /usr.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(python_dir "lib/python${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}/dist-packages")
else()
  set(python_dir "lib/python3/dist-packages")
endif()
set(COREFLOW_PYTHON_DIR "${python_dir}"
    CACHE STRING "Where the Python package goes, under the prefix")

# Every command gets a page of its own: coreflow-run(1) and so on.
set(COREFLOW_COMMANDS run tune bench report hw stage journal)
set(COREFLOW_SUMMARY_ "run many independent tasks across every core")
set(COREFLOW_SUMMARY_run "run a command once per input, in parallel across the usable cores")
set(COREFLOW_SUMMARY_tune "find the fastest -j, -t, -N and --bind for a command on this machine")
set(COREFLOW_SUMMARY_bench "compare configurations of one workload, with 95 % intervals")
set(COREFLOW_SUMMARY_report "summarize a run from its journal, as text, JSON or an HTML page")
set(COREFLOW_SUMMARY_hw "show the cores, memory, topology, GPUs and BLAS this allocation has")
set(COREFLOW_SUMMARY_stage "copy files to node-local scratch in parallel, each whole or absent")
set(COREFLOW_SUMMARY_journal "work with the journals runs write")

if(COREFLOW_BUILD_DOCS)
  find_program(COREFLOW_HELP2MAN help2man)
  set(man_dir ${CMAKE_BINARY_DIR}/man)
  set(man_pages)
  if(COREFLOW_HELP2MAN)
    foreach(command "" ${COREFLOW_COMMANDS})
      if(command STREQUAL "")
        set(page ${man_dir}/coreflow.1)
        set(words "")
      else()
        set(page ${man_dir}/coreflow-${command}.1)
        set(words "${command} ")
      endif()
      add_custom_command(
        OUTPUT ${page}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
        COMMAND ${COREFLOW_HELP2MAN} --no-info --no-discard-stderr --section=1
                "--name=${COREFLOW_SUMMARY_${command}}" "--help-option=${words}--help"
                "--version-option=${words}--version" --output=${page} $<TARGET_FILE:coreflow>
        DEPENDS coreflow
        COMMENT "Writing ${page} from coreflow ${words}--help"
        VERBATIM)
      list(APPEND man_pages ${page})
    endforeach()
    install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  else()
    message(STATUS "help2man not found: no man pages (apt-get install help2man)")
  endif()
  set(completion_dir ${CMAKE_BINARY_DIR}/completions)
  set(completions ${completion_dir}/coreflow.bash ${completion_dir}/_coreflow
                  ${completion_dir}/coreflow.fish)
  add_custom_command(
    OUTPUT ${completions}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/completions.py
            $<TARGET_FILE:coreflow> ${completion_dir}
    DEPENDS coreflow ${CMAKE_CURRENT_SOURCE_DIR}/scripts/completions.py
    COMMENT "Writing the shell completions from coreflow --help"
    VERBATIM)
  add_custom_target(coreflow_docs ALL DEPENDS ${man_pages} ${completions})
  install(FILES ${completion_dir}/coreflow.bash
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME coreflow)
  install(FILES ${completion_dir}/_coreflow
          DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
  install(FILES ${completion_dir}/coreflow.fish
          DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
endif()

set(installed_programs coreflow)
foreach(program coreflow-mpi coreflow-mpi-openmpi)
  if(TARGET ${program})
    list(APPEND installed_programs ${program})
  endif()
endforeach()
install(TARGETS ${installed_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Stripped even without --strip: the debug information stays in the build tree.
if(CMAKE_STRIP)
  foreach(program ${installed_programs})
    install(CODE "execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-unneeded
                  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/${program}\")")
  endforeach()
endif()

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/python/coreflow)
  install(DIRECTORY python/coreflow DESTINATION ${COREFLOW_PYTHON_DIR}
          PATTERN "__pycache__" EXCLUDE)
endif()

# The C++ library: libcoreflow.so, include/coreflow/, find_package(coreflow) and coreflow.pc.
if(COREFLOW_BUILD_LIBRARY)
  install(TARGETS coreflow_api EXPORT coreflowTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  if(CMAKE_STRIP)  # as the programs: the debug information stays in the build tree
    install(CODE "execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-unneeded
                  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:coreflow_api>\")")
  endif()
  install(DIRECTORY include/coreflow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  set(cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/coreflow)
  install(EXPORT coreflowTargets NAMESPACE coreflow:: DESTINATION ${cmake_dir})
  include(CMakePackageConfigHelpers)
  configure_package_config_file(cmake/coreflow-config.cmake.in
                                ${CMAKE_BINARY_DIR}/coreflow-config.cmake
                                INSTALL_DESTINATION ${cmake_dir})
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/coreflow-config-version.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/coreflow-config.cmake
                ${CMAKE_BINARY_DIR}/coreflow-config-version.cmake DESTINATION ${cmake_dir})
  # The .pc file finds the prefix from where it lies, so --prefix at install time holds.
  file(RELATIVE_PATH COREFLOW_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  configure_file(cmake/coreflow.pc.in ${CMAKE_BINARY_DIR}/coreflow.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/coreflow.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
