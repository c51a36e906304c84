#pragma once
// Error tests assert the message, not only the type.
#include <gtest/gtest.h>

#include <string>

namespace npusim::test {

inline void expect_contains(const std::string& msg, const std::string& part) {
    EXPECT_NE(msg.find(part), std::string::npos) << "message: " << msg << "\nexpected to contain: " << part;
}

// The message of the exception of type E that `f` throws; fails the test if it throws none.
template <typename E, typename F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected an exception";
    return "";
}

}  // namespace npusim::test
