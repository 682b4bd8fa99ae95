# Helpers shared by every src/<lib>/CMakeLists.txt.

# bakeoff_library(NAME SOURCES a.cpp b.cpp DEPS other_lib ...)
# Defines target bakeoff_<NAME>; public include root is src/ so headers read "lib/header.h".
function(bakeoff_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(bakeoff_${name} STATIC ${ARG_SOURCES})
  target_include_directories(bakeoff_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(bakeoff_${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_link_libraries(bakeoff_${name} PUBLIC ${ARG_DEPS})
endfunction()

# bakeoff_test(NAME SOURCES t.cpp DEPS lib ... [LABELS l] [TIMEOUT s])
# One gtest executable registered with ctest as a single test (fast to list, fast to run on 2 cores).
function(bakeoff_test name)
  if(NOT BAKEOFF_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    BAKEOFF_SHARED_DIR="${BAKEOFF_SHARED_DIR}"
    BAKEOFF_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    BAKEOFF_PYTHON="${BAKEOFF_PYTHON}")
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# bakeoff_embed(OUT_CPP NAMESPACE ns SYMBOL sym FILES f1 f2 ...)
# Compiles data files (tasks, our own templates) into the binary so `bakeoff` runs from any
# directory. Generates: const std::vector<std::pair<std::string_view,std::string_view>>& ns::sym()
# mapping the file's base name to its bytes.
function(bakeoff_embed out_cpp)
  cmake_parse_arguments(ARG "" "NAMESPACE;SYMBOL" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DNS=${ARG_NAMESPACE} -DSYM=${ARG_SYMBOL}
            "-DFILES=${ARG_FILES}" -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${ARG_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${ARG_SYMBOL}"
    VERBATIM)
endfunction()
