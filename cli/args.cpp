#include "cli/args.h"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace npusim::cli {

Args::Args(std::string command, std::string summary, std::vector<Option> options)
    : command_(std::move(command)), summary_(std::move(summary)), options_(std::move(options)) {
    for (const Option& o : options_)
        if (!o.metavar.empty()) values_[o.name] = o.default_value;
}

bool Args::parse(const std::vector<std::string>& argv) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << help();
            return false;
        }
        if (a.rfind("--", 0) != 0) {
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        const Option* opt = nullptr;
        for (const Option& o : options_)
            if (o.name == name) opt = &o;
        if (!opt) throw UsageError("unknown option --" + name + " for '" + command_ + "' (see --help)");
        if (opt->metavar.empty()) {
            if (has_value) throw UsageError("option --" + name + " is a flag and takes no value");
            values_[name] = "1";
            continue;
        }
        if (!has_value) {
            if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value (" + opt->metavar + ")");
            value = argv[++i];
        }
        values_[name] = value;
        given_[name].push_back(value);
    }
    return true;
}

std::string Args::get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? "" : it->second;
}

bool Args::flag(const std::string& name) const {
    return get(name) == "1";
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

std::string Args::help() const {
    std::string s = "usage: npusim " + command_ + " [options]\n\n" + summary_ + "\n\noptions:\n";
    for (const Option& o : options_) {
        std::string left = "  --" + o.name + (o.metavar.empty() ? "" : " " + o.metavar);
        if (left.size() < 28)
            left.resize(28, ' ');
        else
            left += "\n" + std::string(28, ' ');
        s += left + o.help;
        if (!o.default_value.empty()) s += " (default: " + o.default_value + ")";
        s += "\n";
    }
    s += "  --help                    show this help\n";
    return s;
}

}  // namespace npusim::cli
