// ASSERT_OK / EXPECT_OK for Status and StatusOr, printing the error when they fail.
#ifndef SHARC_TESTS_TESTING_STATUS_MACROS_H_
#define SHARC_TESTS_TESTING_STATUS_MACROS_H_

#include <gtest/gtest.h>

#include "core/status.h"

namespace sharc::testing {

inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const StatusOr<T>& s) {
  return s.status();
}

}  // namespace sharc::testing

#define ASSERT_OK(expr)                                             \
  do {                                                              \
    ::sharc::Status sharc_s_ = ::sharc::testing::ToStatus(expr);    \
    ASSERT_TRUE(sharc_s_.ok()) << #expr << ": " << sharc_s_.ToString(); \
  } while (false)
#define EXPECT_OK(expr)                                             \
  do {                                                              \
    ::sharc::Status sharc_s_ = ::sharc::testing::ToStatus(expr);    \
    EXPECT_TRUE(sharc_s_.ok()) << #expr << ": " << sharc_s_.ToString(); \
  } while (false)

#endif  // SHARC_TESTS_TESTING_STATUS_MACROS_H_
