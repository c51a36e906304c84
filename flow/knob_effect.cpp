#include "flow/knob_effect.h"

#include <cctype>
#include <map>
#include <sstream>
#include <variant>

#include "base/errors.h"

namespace npusim::flow {

namespace {

// Token names numbered in order of first declaration.
std::string canonical_tokens(const std::string& text) {
    std::map<std::string, std::string> renamed;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const size_t at = line.find_first_not_of(' ');
        if (at != std::string::npos && line.compare(at, 6, "token ") == 0) {
            const std::string name = line.substr(at + 6, line.find(' ', at + 6) - at - 6);
            renamed.emplace(name, "token" + std::to_string(renamed.size()));
        }
    }
    auto word_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$';
    };
    std::string out;
    for (size_t i = 0; i < text.size();) {
        if (!word_char(text[i])) {
            out += text[i++];
            continue;
        }
        size_t j = i;
        while (j < text.size() && word_char(text[j]))
            ++j;
        const std::string word = text.substr(i, j - i);
        auto it = renamed.find(word);
        out += it == renamed.end() ? word : it->second;
        i = j;
    }
    return out;
}

void serialize_loops(npu::Block& b) {
    for (npu::Node& n : b) {
        if (auto* l = std::get_if<npu::Loop>(&n)) {
            l->parallel = false;
            serialize_loops(l->body);
        } else if (auto* f = std::get_if<npu::Fork>(&n)) {
            for (npu::Block& t : f->threads)
                serialize_loops(t);
        } else if (auto* c = std::get_if<npu::If>(&n)) {
            serialize_loops(c->then_body);
            serialize_loops(c->else_body);
        }
    }
}

bool examined(const schedules::KnobSpec& spec) {
    return !spec.integer || spec.on_off();
}

}  // namespace

std::string program_identity(const npu::Program& p, const npu::NpuConfig& npu) {
    if (npu.cores > 1) return canonical_tokens(npu::to_text(p));
    npu::Program serial = p;
    serialize_loops(serial.body);
    return canonical_tokens(npu::to_text(serial));
}

std::vector<std::string> idle_knobs(const KernelCall& c, const npu::NpuConfig& npu) {
    const std::string here = program_identity(compile_kernel(c), npu);
    std::vector<std::string> idle;
    for (const schedules::KnobSpec& spec : c.kernel->knob_specs()) {
        if (!examined(spec)) continue;
        bool same = true, any = false;
        for (const std::string& v : spec.space) {
            if (v == c.knobs.at(spec.name)) continue;
            Knobs other = c.knobs;
            other[spec.name] = v;
            try {
                const KernelCall alt(c.kernel->name(), c.shape, other, npu, c.layout);
                any = true;
                same = program_identity(compile_kernel(alt), npu) == here;
            } catch (const npu::UserError&) {
                continue;  // a value the kernel refuses here does not make the knob live
            }
            if (!same) break;
        }
        if (same && any) idle.push_back(spec.name);
    }
    return idle;
}

}  // namespace npusim::flow
