#pragma once
// A small option parser shared by the subcommands: `--name value`, `--name=value` and flags,
// with generated --help. Unknown options and missing values are errors that name the option.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace npusim::cli {

struct Option {
    std::string name;     // without the leading dashes
    std::string metavar;  // empty for a flag
    std::string default_value;
    std::string help;
};

class Args {
public:
    Args(std::string command, std::string summary, std::vector<Option> options);
    // Returns false if --help was given (help already printed). Throws UsageError.
    bool parse(const std::vector<std::string>& argv);
    std::string get(const std::string& name) const;               // the last value given
    std::vector<std::string> all(const std::string& name) const;  // every value given, in order
    bool flag(const std::string& name) const;
    long long get_int(const std::string& name) const;
    std::string help() const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::string command_, summary_;
    std::vector<Option> options_;
    std::map<std::string, std::string> values_;
    std::map<std::string, std::vector<std::string>> given_;
    std::vector<std::string> positional_;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace npusim::cli
