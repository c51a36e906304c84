#include "schedules/kernel.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "base/errors.h"

namespace npusim::schedules {

namespace {

constexpr long long kMaxKnob = 1 << 20;

bool parse_int(const std::string& v, long long lo, long long hi, long long* out) {
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE || x < lo || x > hi) return false;
    *out = x;
    return true;
}

}  // namespace

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s;
}

const Kernel& find_kernel(const std::string& name) {
    std::vector<std::string> names;
    for (const Kernel* k : all_kernels()) {
        if (k->name() == name) return *k;
        names.push_back(k->name());
    }
    throw npu::ShapeError("unknown kernel '" + name + "' (kernels: " + join(names) + ")");
}

std::map<std::string, std::string> parse_fields(const std::string& text, const std::string& what) {
    std::map<std::string, std::string> fields;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) throw npu::ShapeError(what + " item '" + item + "' is not name=value");
        const std::string k = item.substr(0, eq);
        if (fields.count(k)) throw npu::ShapeError(what + " field " + k + " is given twice");
        fields[k] = item.substr(eq + 1);
    }
    return fields;
}

std::string fields_text(const std::map<std::string, std::string>& fields) {
    std::string s;
    for (const auto& [k, v] : fields)
        s += (s.empty() ? "" : ",") + k + "=" + v;
    return s;
}

Shape parse_shape(const std::string& text) {
    Shape s;
    for (const auto& [k, v] : parse_fields(text, "shape")) {
        long long x = 0;
        if (!parse_int(v, 0, int64_t{1} << 40, &x))
            throw npu::ShapeError("shape field " + k + " must be a non-negative integer, got '" + v + "'");
        s[k] = x;
    }
    return s;
}

Shape complete_shape(const Kernel& k, const Shape& given) {
    Shape s;
    std::vector<std::string> names;
    for (const ShapeDim& d : k.shape_dims()) {
        names.push_back(d.name);
        auto it = given.find(d.name);
        const int64_t v = it == given.end() ? d.fallback : it->second;
        if (v < d.min || v > d.max)
            throw npu::ShapeError(k.name() + " shape " + d.name + " = " + std::to_string(v) + " is outside [" +
                                  std::to_string(d.min) + ", " + std::to_string(d.max) + "] (" + d.doc + ")");
        s[d.name] = v;
    }
    for (const auto& [name, v] : given)
        if (!s.count(name))
            throw npu::ShapeError(k.name() + " has no shape dimension '" + name + "' (dimensions: " + join(names) +
                                  ")");
    for (const RuntimeDim& r : k.runtime_dims()) {
        int64_t& cap = s.at(r.capacity);
        if (cap == 0) cap = s.at(r.dim);
        if (s.at(r.dim) > cap)
            throw npu::ShapeError(k.name() + " shape " + r.dim + " = " + std::to_string(s.at(r.dim)) + " exceeds " +
                                  r.capacity + " = " + std::to_string(cap) + " (the largest " + r.dim +
                                  " the program is compiled for)");
    }
    return s;
}

Knobs complete_knobs(const Kernel& k, const npu::NpuConfig& npu, const Shape& shape, const Knobs& given) {
    Knobs out = k.default_knobs(npu, shape);
    const std::vector<KnobSpec> specs = k.knob_specs();
    std::vector<std::string> names;
    for (const KnobSpec& spec : specs)
        names.push_back(spec.name);
    for (const auto& [name, v] : given) {
        const KnobSpec* spec = nullptr;
        for (const KnobSpec& s : specs)
            if (s.name == name) spec = &s;
        if (!spec)
            throw npu::ScheduleError("unknown " + k.name() + " schedule knob '" + name + "' (knobs: " + join(names) +
                                     ")");
        long long x = 0;
        if (spec->integer && !parse_int(v, spec->min, kMaxKnob, &x))
            throw npu::ScheduleError(k.name() + " schedule knob " + name + " must be an integer in [" +
                                     std::to_string(spec->min) + ", " + std::to_string(kMaxKnob) + "], got '" + v +
                                     "'");
        if (!spec->integer) {
            bool ok = false;
            for (const auto& c : spec->space)
                ok = ok || c == v;
            if (!ok)
                throw npu::ScheduleError(k.name() + " schedule knob " + name + " must be one of " + join(spec->space) +
                                         ", got '" + v + "'");
        }
        out[name] = spec->integer ? std::to_string(x) : v;
    }
    for (const std::string& n : names)
        if (!out.count(n)) throw npu::InternalError(k.name() + ": no default for knob " + n);
    return out;
}

std::string Kernel::sram_remedy(const Shape&, const Knobs& knobs) const {
    std::vector<std::string> smaller;
    bool double_buffered = false;
    for (const KnobSpec& spec : knob_specs()) {
        auto it = knobs.find(spec.name);
        if (it == knobs.end()) continue;
        if (spec.name == "double_buffer") {
            double_buffered = it->second == "1";
        } else if (spec.integer && !spec.on_off() && std::atoll(it->second.c_str()) > spec.min) {
            smaller.push_back(spec.name + " (" + it->second + ")");
        }
    }
    std::string s;
    if (!smaller.empty()) s = "Use a smaller " + join(smaller);
    if (double_buffered) s += std::string(s.empty() ? "Use" : ", or") + " double_buffer=0";
    return s.empty() ? "No knob of " + name() + " shrinks it: use a smaller shape or an NPU with more SRAM." : s + ".";
}

int knob_int(const Knobs& k, const std::string& name) {
    auto it = k.find(name);
    if (it == k.end()) throw npu::InternalError("knob " + name + " is missing");
    return std::stoi(it->second);
}

bool knob_flag(const Knobs& k, const std::string& name) {
    return knob_int(k, name) != 0;
}

}  // namespace npusim::schedules
