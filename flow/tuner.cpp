#include "flow/tuner.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "base/errors.h"
#include "flow/knob_effect.h"
#include "sim/simulator.h"

using namespace npusim::schedules;

namespace npusim::flow {

namespace {

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string hex(uint64_t v) {
    std::ostringstream o;
    o << std::hex << v;
    return o.str();
}

// The simulator build that computes a cost: a hash of the file holding this code (the npusim
// executable or the Python module). A cached cost is keyed on it, so a rebuild with other timing
// never reads an older build's costs as its own.
const std::string& build_id() {
    static const std::string id = [] {
        Dl_info info{};
        std::string path = "/proc/self/exe";
        if (dladdr(reinterpret_cast<void*>(&fnv1a), &info) && info.dli_fname && *info.dli_fname) path = info.dli_fname;
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // Unreadable: the build's own compile time, which at least changes with this file.
        return bytes.empty() ? std::string("build ") + __DATE__ + " " + __TIME__ : hex(fnv1a(bytes));
    }();
    return id;
}

struct Space {
    std::vector<std::string> names;
    std::vector<std::vector<std::string>> values;
    std::vector<bool> integer;
};

Space make_space(const Kernel& k, const TuneOptions& opts) {
    Space sp;
    for (const KnobSpec& spec : k.knob_specs()) {
        auto it = opts.space.find(spec.name);
        std::vector<std::string> vals = it == opts.space.end() ? spec.space : it->second;
        if (vals.empty()) throw npu::ScheduleError("the tuning space of knob " + spec.name + " is empty");
        sp.names.push_back(spec.name);
        sp.values.push_back(vals);
        sp.integer.push_back(spec.integer);
    }
    for (const auto& [name, vals] : opts.space)
        if (std::find(sp.names.begin(), sp.names.end(), name) == sp.names.end())
            throw npu::ScheduleError("the tuning space names no knob '" + name + "' of " + k.name());
    return sp;
}

class Evaluator {
public:
    Evaluator(const std::string& kernel, const Shape& shape, const npu::NpuConfig& npu, const TuneOptions& opts)
        : kernel_(kernel), shape_(shape), npu_(npu), opts_(opts), config_(npu::params_text(npu)) {
        if (!opts.cache_dir.empty()) {
            ::mkdir(opts.cache_dir.c_str(), 0755);
            cache_path_ = opts.cache_dir + "/tune-cache.tsv";
            std::ifstream in(cache_path_);
            std::string line;
            while (std::getline(in, line)) {
                std::istringstream ls(line);
                std::string key, cycles, fraction;
                if (std::getline(ls, key, '\t') && std::getline(ls, cycles, '\t') && std::getline(ls, fraction))
                    disk_[key] = {std::strtoull(cycles.c_str(), nullptr, 10), std::strtod(fraction.c_str(), nullptr)};
            }
        }
    }

    // Lowers and simulates one schedule (knobs not given take the preset's defaults). `identity`
    // names what was simulated: the program's hash, or the knobs of a schedule that did not lower.
    TuneStep evaluate(const Knobs& given, std::string* identity) {
        TuneStep step;
        *identity = "knobs:" + fields_text(given);
        step.knobs = given;
        try {
            const KernelCall call(kernel_, shape_, given, npu_);
            step.knobs = call.knobs;
            const npu::Program prog = compile_kernel(call);
            const std::string key = hex(fnv1a(build_id() + config_ + program_identity(prog, npu_)));
            *identity = key;
            auto hit = disk_.find(key);
            if (hit != disk_.end()) {
                step.ok = true;
                step.cached = true;
                step.cycles = hit->second.first;
                step.roofline_fraction = hit->second.second;
            } else {
                const npu::Report r = npu::simulate(prog, npu_);
                step.ok = true;
                step.cycles = r.cycles;
                step.roofline_fraction = r.roofline_fraction;
                remember(key, r.cycles, r.roofline_fraction);
            }
        } catch (const npu::UserError& e) {
            step.error = e.what();
        }
        return step;
    }

private:
    void remember(const std::string& key, uint64_t cycles, double fraction) {
        disk_[key] = {cycles, fraction};
        if (cache_path_.empty()) return;
        std::ofstream out(cache_path_, std::ios::app);
        out.precision(9);
        if (out) out << key << '\t' << cycles << '\t' << fraction << '\n';
    }

    std::string kernel_;
    Shape shape_;
    npu::NpuConfig npu_;
    TuneOptions opts_;
    std::string config_, cache_path_;
    std::map<std::string, std::pair<uint64_t, double>> disk_;
};

std::string point_key(const Knobs& k) {
    return fields_text(k);
}

bool better(const TuneStep& a, const TuneStep& b) {
    if (a.ok != b.ok) return a.ok;
    return a.ok && a.cycles < b.cycles;
}

class Search {
public:
    Search(const std::string& kernel, const Shape& shape, const npu::NpuConfig& npu, const TuneOptions& opts)
        : kernel_(find_kernel(kernel)),
          shape_(complete_shape(kernel_, shape)),
          opts_(opts),
          eval_(kernel, shape_, npu, opts),
          space_(make_space(kernel_, opts)) {
        int64_t largest = 1;
        for (const auto& [n, v] : shape_)
            largest = std::max(largest, v);
        // An integer knob value past the largest dimension behaves like the largest dimension.
        for (size_t i = 0; i < space_.names.size(); ++i)
            if (space_.integer[i]) {
                std::vector<std::string> kept;
                bool covered = false;
                for (const auto& v : space_.values[i]) {
                    const long long x = std::atoll(v.c_str());
                    if (x <= largest || !covered) kept.push_back(v);
                    covered = covered || x >= largest;
                }
                space_.values[i] = kept;
            }
        leave_out_idle_knobs(npu);
        result_.space_size = 1;
        for (const auto& v : space_.values)
            result_.space_size = static_cast<int>(
                std::min<int64_t>(int64_t{1} << 30, int64_t{result_.space_size} * static_cast<int64_t>(v.size())));
    }

    TuneResult run_search() {
        std::mt19937_64 rng(opts_.seed);
        // 1. the default
        result_.default_step = visit({});
        // 2. random points
        const int random_budget = std::max(1, opts_.budget / 4);
        for (int tries = 0; used() < 1 + random_budget && tries < 50 * opts_.budget; ++tries) {
            const Knobs p = random_point(rng);
            if (!seen_.count(point_key(p))) visit(p);
        }
        // 3. coordinate descent from the best point not yet descended from; a fresh random point
        //    when every evaluated point has been a start
        std::set<std::string> started;
        int misses = 0;
        while (used() < opts_.budget && misses < 1000) {
            const TuneStep* start = nullptr;
            for (const TuneStep& s : result_.history)
                if (s.ok && !started.count(point_key(s.knobs)) && (!start || better(s, *start))) start = &s;
            if (!start) {
                const Knobs p = random_point(rng);
                if (seen_.count(point_key(p))) {
                    ++misses;
                } else {
                    visit(p);
                }
                continue;
            }
            started.insert(point_key(start->knobs));
            descend(start->knobs, start->cycles);
        }
        return finish();
    }

    TuneResult run_exhaustive() {
        std::vector<size_t> idx(space_.names.size(), 0);
        while (true) {
            Knobs k;
            for (size_t i = 0; i < idx.size(); ++i)
                k[space_.names[i]] = space_.values[i][idx[i]];
            visit(k);
            size_t d = 0;
            while (d < idx.size() && ++idx[d] == space_.values[d].size())
                idx[d++] = 0;
            if (d == idx.size()) break;
        }
        std::string key;
        result_.default_step = eval_.evaluate({}, &key);
        return finish();
    }

private:
    int used() const { return static_cast<int>(result_.history.size()); }

    // Moves one knob at a time to a neighbouring value while that lowers the cycles.
    void descend(Knobs current, uint64_t current_cycles) {
        bool improved = true;
        while (improved && used() < opts_.budget) {
            improved = false;
            for (size_t i = 0; i < space_.names.size() && used() < opts_.budget; ++i)
                for (const std::string& v : neighbours(i, current.at(space_.names[i]))) {
                    if (used() >= opts_.budget) break;
                    Knobs next = current;
                    next[space_.names[i]] = v;
                    if (seen_.count(point_key(next))) continue;
                    const TuneStep s = visit(next);
                    if (s.ok && s.cycles < current_cycles) {
                        current = s.knobs;
                        current_cycles = s.cycles;
                        improved = true;
                    }
                }
        }
    }

    // A choice or on/off knob that changes nothing at the default schedule nor at a few random
    // points of the space (each lowered, not simulated) stays at its default: searching it would
    // only spend evaluations on ties, and a tie could recommend it. A knob the caller's space
    // names is searched as given.
    void leave_out_idle_knobs(const npu::NpuConfig& npu) {
        std::vector<Knobs> probes = {{}};
        std::mt19937_64 rng(opts_.seed ^ 0x1d1e);
        for (int i = 0; i < 3; ++i)
            probes.push_back(random_point(rng));
        std::set<std::string> idle;
        Knobs defaults;
        bool first = true;
        for (const Knobs& p : probes) {
            try {
                const KernelCall call(kernel_.name(), shape_, p, npu);
                const std::vector<std::string> here = idle_knobs(call, npu);
                if (first) {
                    idle.insert(here.begin(), here.end());
                    defaults = call.knobs;
                } else {
                    std::set<std::string> kept;
                    for (const std::string& n : here)
                        if (idle.count(n)) kept.insert(n);
                    idle = kept;
                }
            } catch (const npu::UserError&) {
                if (first) return;  // the default does not lower: nothing to compare against
            }
            first = false;
        }
        for (size_t i = 0; i < space_.names.size(); ++i)
            if (idle.count(space_.names[i]) && !opts_.space.count(space_.names[i])) {
                space_.values[i] = {defaults.at(space_.names[i])};
                result_.idle_knobs.push_back(space_.names[i]);
            }
    }

    Knobs random_point(std::mt19937_64& rng) {
        Knobs k;
        for (size_t i = 0; i < space_.names.size(); ++i) {
            std::uniform_int_distribution<size_t> pick(0, space_.values[i].size() - 1);
            k[space_.names[i]] = space_.values[i][pick(rng)];
        }
        return k;
    }

    std::vector<std::string> neighbours(size_t i, const std::string& value) const {
        const auto& vals = space_.values[i];
        if (!space_.integer[i]) {
            std::vector<std::string> out;
            for (const auto& v : vals)
                if (v != value) out.push_back(v);
            return out;
        }
        // Integer knobs: the nearest smaller and larger values of the space.
        const long long x = std::atoll(value.c_str());
        std::string lo, hi;
        for (const auto& v : vals) {
            const long long y = std::atoll(v.c_str());
            if (y < x && (lo.empty() || y > std::atoll(lo.c_str()))) lo = v;
            if (y > x && (hi.empty() || y < std::atoll(hi.c_str()))) hi = v;
        }
        std::vector<std::string> out;
        if (!lo.empty()) out.push_back(lo);
        if (!hi.empty()) out.push_back(hi);
        return out;
    }

    TuneStep visit(const Knobs& k) {
        if (!k.empty()) seen_.insert(point_key(k));
        std::string key;
        TuneStep s = eval_.evaluate(k, &key);
        // Schedules that lower to a program already simulated (a tile past the shape, a knob with
        // no effect here) are the same point: not a new evaluation.
        if (auto it = evaluated_.find(key); it != evaluated_.end()) return result_.history[it->second];
        evaluated_[key] = result_.history.size();
        s.index = used() + 1;
        result_.history.push_back(s);
        if (better(s, result_.best) || result_.history.size() == 1) result_.best = s;
        if (opts_.progress) opts_.progress(s, result_.best);
        return s;
    }

    TuneResult finish() {
        for (const TuneStep& s : result_.history)
            if (better(s, result_.best)) result_.best = s;
        return result_;
    }

    const Kernel& kernel_;
    Shape shape_;
    TuneOptions opts_;
    Evaluator eval_;
    Space space_;
    TuneResult result_;
    std::set<std::string> seen_;               // knob sets asked for
    std::map<std::string, size_t> evaluated_;  // program identity -> history index
};

}  // namespace

TuneResult tune(const std::string& kernel, const Shape& shape, const npu::NpuConfig& npu, const TuneOptions& opts) {
    if (opts.budget < 1 || opts.budget > 100000)
        throw npu::ScheduleError("tuning budget must be in [1, 100000], got " + std::to_string(opts.budget));
    return Search(kernel, shape, npu, opts).run_search();
}

TuneResult tune_exhaustive(const std::string& kernel, const Shape& shape, const npu::NpuConfig& npu,
                           const TuneOptions& opts) {
    return Search(kernel, shape, npu, opts).run_exhaustive();
}

std::string default_cache_dir() {
    if (const char* d = std::getenv("NPUSIM_CACHE_DIR"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/npusim";
    if (const char* h = std::getenv("HOME"); h && *h) {
        ::mkdir((std::string(h) + "/.cache").c_str(), 0755);
        return std::string(h) + "/.cache/npusim";
    }
    return "";
}

}  // namespace npusim::flow
