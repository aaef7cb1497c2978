# Compiler warnings and sanitizers for every sharc target.
add_compile_options(-Wall -Wextra -Wno-missing-field-initializers)
if(SHARC_SANITIZE)
  # -O1 keeps sanitized tests fast enough; frame pointers keep reports readable.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -O1)
  add_link_options(-fsanitize=address,undefined)
endif()

# The git revision, for sharc_build_info and --version.
execute_process(
  COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE SHARC_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT SHARC_GIT_REVISION)
  set(SHARC_GIT_REVISION "unknown")
endif()

# sharc_library(NAME SOURCES... [DEPS ...]) declares the library of one folder.
function(sharc_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
