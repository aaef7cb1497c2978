# Every dependency comes from Debian 12's packages (see test.sh for the list).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(prometheus-cpp REQUIRED COMPONENTS core)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto SSL)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc>=2.0)
if(SHARC_BUILD_TESTS OR SHARC_BUILD_BENCH)  # the benchmarks share the tests' cluster helpers
  find_package(GTest REQUIRED)
endif()
if(SHARC_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# Boost.Asio and Beast, header-only; kept to the few translation units that need them.
add_library(sharc_asio INTERFACE)
target_link_libraries(sharc_asio INTERFACE Boost::headers Threads::Threads)
target_compile_definitions(sharc_asio INTERFACE BOOST_ASIO_NO_DEPRECATED
                                                BOOST_BEAST_USE_STD_STRING_VIEW)
