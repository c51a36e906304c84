#pragma once
// The subcommands' options, parsed by CLI11: `--name value`, `--name=value` and flags, with
// generated --help. Unknown options and missing values are UsageErrors that name the option.
#include <CLI/CLI.hpp>
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
    std::string get(const std::string& name) const;               // the last value given, or the default
    std::vector<std::string> all(const std::string& name) const;  // every value given, in order
    bool flag(const std::string& name) const;
    long long get_int(const std::string& name) const;
    // The value as a number; UsageError "--NAME must be WHAT, got '...'" for anything else.
    double get_double(const std::string& name, const std::string& what) const;
    std::string help() const { return app_.help(); }
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::string command_;
    CLI::App app_;
    std::map<std::string, std::string> defaults_;
    // std::map keeps the addresses CLI11 writes to stable.
    std::map<std::string, std::vector<std::string>> given_;
    std::map<std::string, bool> flags_;
    std::vector<std::string> positional_;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace npusim::cli
