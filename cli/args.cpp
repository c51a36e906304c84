#include "cli/args.h"

#include <cerrno>
#include <cstdlib>
#include <iostream>

namespace npusim::cli {

Args::Args(std::string command, std::string summary, std::vector<Option> options)
    : command_(std::move(command)), app_(std::move(summary), "npusim " + command_) {
    for (const Option& o : options) {
        if (o.metavar.empty()) {
            app_.add_flag("--" + o.name, flags_[o.name], o.help);
            continue;
        }
        defaults_[o.name] = o.default_value;
        // One value per occurrence (a positional after it is not swallowed); every occurrence kept,
        // so `get` reads the last and `all` reads them all (--set a=1 --set b=2).
        std::vector<std::string>& values = given_[o.name];
        CLI::Option* opt = app_.add_option("--" + o.name, o.help)
                               ->type_name(o.metavar)
                               ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
                               ->each([&values](const std::string& v) { values.push_back(v); });
        if (!o.default_value.empty()) opt->default_str(o.default_value);
    }
    // Commands take their own positional arguments (a kernel name, a file) and check them.
    app_.add_option("arguments", positional_)->group("");
}

bool Args::parse(const std::vector<std::string>& argv) {
    std::vector<std::string> reversed(argv.rbegin(), argv.rend());  // CLI11 consumes from the back
    try {
        app_.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        std::cout << help();
        return false;
    } catch (const CLI::ParseError& e) {
        throw UsageError(std::string(e.what()) + " (see `npusim " + command_ + " --help`)");
    }
    return true;
}

std::string Args::get(const std::string& name) const {
    if (auto it = given_.find(name); it != given_.end() && !it->second.empty()) return it->second.back();
    if (auto it = defaults_.find(name); it != defaults_.end()) return it->second;
    return "";
}

bool Args::flag(const std::string& name) const {
    auto it = flags_.find(name);
    return it != flags_.end() && it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
    auto it = given_.find(name);
    return it == given_.end() ? std::vector<std::string>{} : it->second;
}

long long Args::get_int(const std::string& name) const {
    std::string v = get(name);
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("option --" + name + " must be an integer, got '" + v + "'");
    return x;
}

double Args::get_double(const std::string& name, const std::string& what) const {
    const std::string v = get(name);
    char* end = nullptr;
    errno = 0;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("--" + name + " must be " + what + ", got '" + v + "'");
    return x;
}

}  // namespace npusim::cli
