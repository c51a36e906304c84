#include "models/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "base/errors.h"
#include "base/host_memory.h"
#include "base/json_reader.h"

namespace npusim::models {

namespace {

constexpr uint64_t kMaxHeader = 64u << 20;  // the format allows 100 MB; real headers are kilobytes
constexpr uint64_t kMaxElements = uint64_t{1} << 40;

int dtype_bytes(const std::string& d) {
    if (d == "F32" || d == "I32") return 4;
    if (d == "F16" || d == "BF16" || d == "I16") return 2;
    if (d == "F64" || d == "I64") return 8;
    if (d == "I8" || d == "U8" || d == "BOOL") return 1;
    return 0;
}

float half_to_float(uint16_t h) {
    const uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            uint32_t m = mant;
            do {
                ++e;
                m <<= 1;
            } while (!(m & 0x400u));
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (m & 0x3ffu) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

}  // namespace

SafeTensors::SafeTensors(const std::string& path) : path_(path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw npu::UserError(path + ": cannot open the weights file");
    // The bytes, then each tensor as float32 (twice the bytes of an F16/BF16 file): checked first.
    in.seekg(0, std::ios::end);
    const auto size = static_cast<uint64_t>(std::max<std::streamoff>(in.tellg(), 0));
    in.seekg(0);
    npu::check_host_memory(3 * size, path + ": reading the weights (" + std::to_string(size) + " bytes)");
    parse(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

SafeTensors SafeTensors::from_bytes(const std::string& bytes, const std::string& source) {
    SafeTensors t;
    t.path_ = source;
    t.parse(bytes);
    return t;
}

void SafeTensors::parse(const std::string& all) {
    const std::string& path = path_;
    if (all.size() < 8) throw npu::UserError(path + ": not a safetensors file (shorter than its 8-byte header length)");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = n << 8 | static_cast<unsigned char>(all[static_cast<size_t>(i)]);
    if (n > kMaxHeader || n > all.size() - 8)
        throw npu::UserError(path + ": safetensors header length " + std::to_string(n) + " exceeds the file (" +
                             std::to_string(all.size()) + " bytes)");
    const nlohmann::json h = npu::parse_json(all.substr(8, n), path + " (header)");
    if (!h.is_object()) throw npu::UserError(path + ": the safetensors header is not an object");
    data_ = all.substr(8 + n);
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    // A non-negative whole number that fits a double exactly.
    auto whole = [](const nlohmann::json& v) {
        return v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 0x1p53 &&
               v.get<double>() == std::floor(v.get<double>());
    };
    for (const auto& item : h.items()) {
        const std::string& name = item.key();
        const nlohmann::json& v = item.value();
        if (name == "__metadata__") continue;
        const std::string where = path + ": tensor '" + name + "'";
        auto field = [&](const char* key) -> const nlohmann::json* {
            if (!v.is_object()) return nullptr;
            auto it = v.find(key);
            return it == v.end() ? nullptr : &*it;
        };
        const nlohmann::json *dt = field("dtype"), *sh = field("shape"), *off = field("data_offsets");
        if (!dt || !dt->is_string() || !sh || !sh->is_array() || !off || !off->is_array() || off->size() != 2)
            throw npu::UserError(where + " needs dtype (string), shape (array) and data_offsets ([begin, end])");
        Entry e;
        e.dtype = dt->get<std::string>();
        if (!dtype_bytes(e.dtype)) throw npu::UserError(where + ": unknown dtype '" + e.dtype + "'");
        uint64_t count = 1;
        for (const nlohmann::json& d : *sh) {
            if (!whole(d)) throw npu::UserError(where + ": shape entries must be non-negative integers");
            // Checked before multiplying, so no product of extents can wrap around.
            const double x = d.get<double>();
            if (x > static_cast<double>(kMaxElements / std::max<uint64_t>(count, 1)))
                throw npu::UserError(where + ": more than 2^40 elements");
            e.shape.push_back(static_cast<int64_t>(x));
            count *= static_cast<uint64_t>(x);
        }
        for (const nlohmann::json& o : *off)
            if (!whole(o)) throw npu::UserError(where + ": data_offsets must be non-negative integers");
        e.begin = static_cast<uint64_t>((*off)[0].get<double>());
        e.end = static_cast<uint64_t>((*off)[1].get<double>());
        if (e.end < e.begin || e.end > data_.size())
            throw npu::UserError(where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                 ") lie outside the " + std::to_string(data_.size()) + " data bytes");
        if (e.end - e.begin != count * static_cast<uint64_t>(dtype_bytes(e.dtype)))
            throw npu::UserError(where + ": " + std::to_string(e.end - e.begin) + " data bytes for " +
                                 std::to_string(count) + " " + e.dtype + " elements");
        spans.emplace_back(e.begin, e.end);
        entries_[name] = e;
    }
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i)
        if (spans[i].first < spans[i - 1].second) throw npu::UserError(path + ": two tensors' data overlap");
}

std::vector<std::string> SafeTensors::names() const {
    std::vector<std::string> v;
    for (const auto& [n, e] : entries_)
        v.push_back(n);
    return v;
}

const SafeTensors::Entry& SafeTensors::entry(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw npu::UserError(path_ + ": no tensor '" + name + "'");
    return it->second;
}

const std::vector<int64_t>& SafeTensors::shape(const std::string& name) const {
    return entry(name).shape;
}

FloatTensor SafeTensors::floats(const std::string& name, const std::vector<int64_t>& want) const {
    const Entry& e = entry(name);
    auto text = [](const std::vector<int64_t>& s) {
        std::string t;
        for (int64_t d : s)
            t += (t.empty() ? "" : ", ") + std::to_string(d);
        return "[" + t + "]";
    };
    if (!want.empty() && want != e.shape)
        throw npu::UserError(path_ + ": tensor '" + name + "' has shape " + text(e.shape) + ", expected " + text(want));
    FloatTensor t;
    t.shape = e.shape;
    const char* p = data_.data() + e.begin;
    const size_t n = (e.end - e.begin) / static_cast<size_t>(dtype_bytes(e.dtype));
    t.data.resize(n);
    if (e.dtype == "F32") {
        if (n) std::memcpy(t.data.data(), p, n * 4);  // an empty vector's data() may be null
    } else if (e.dtype == "F16" || e.dtype == "BF16") {
        for (size_t i = 0; i < n; ++i) {
            uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            if (e.dtype == "F16") {
                t.data[i] = half_to_float(h);
            } else {
                const uint32_t bits = static_cast<uint32_t>(h) << 16;
                std::memcpy(&t.data[i], &bits, 4);
            }
        }
    } else {
        throw npu::UserError(path_ + ": tensor '" + name + "' is " + e.dtype + ", not a float (F32, F16, BF16)");
    }
    for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(t.data[i]))
            throw npu::UserError(path_ + ": tensor '" + name + "' holds a NaN or inf at element " + std::to_string(i));
    return t;
}

}  // namespace npusim::models
