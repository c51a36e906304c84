#pragma once
// A reader for the safetensors format (Hugging Face): an 8-byte little-endian header length, a
// JSON header mapping each tensor name to {dtype, shape, data_offsets}, then the raw data. Every
// offset, size and dtype is checked against the file before any data is used; errors are
// npu::UserError naming the file and tensor.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npusim::models {

// A tensor converted to float32, row-major, outermost dimension first (as stored).
struct FloatTensor {
    std::vector<int64_t> shape;
    std::vector<float> data;
    int64_t rows() const { return shape.empty() ? 1 : shape.front(); }
    int64_t cols() const { return shape.size() < 2 ? 1 : static_cast<int64_t>(data.size()) / rows(); }
};

class SafeTensors {
public:
    // Reads the whole file. Throws UserError for a missing file, a malformed header, an unknown
    // dtype, or data offsets that overlap, leave gaps or run past the end.
    explicit SafeTensors(const std::string& path);
    // The same checks on a file already in memory; `source` names it in errors.
    static SafeTensors from_bytes(const std::string& bytes, const std::string& source);

    const std::string& path() const { return path_; }
    std::vector<std::string> names() const;
    bool has(const std::string& name) const { return entries_.count(name) > 0; }
    const std::vector<int64_t>& shape(const std::string& name) const;
    // F32, F16 or BF16 data as float32; `want` (if not empty) must equal the stored shape.
    // Throws UserError naming the file and tensor otherwise, or if any value is NaN or inf.
    FloatTensor floats(const std::string& name, const std::vector<int64_t>& want = {}) const;

private:
    SafeTensors() = default;
    void parse(const std::string& all);
    struct Entry {
        std::string dtype;
        std::vector<int64_t> shape;
        uint64_t begin = 0, end = 0;  // in data_
    };
    const Entry& entry(const std::string& name) const;
    std::string path_;
    std::string data_;  // the bytes after the header
    std::map<std::string, Entry> entries_;
};

}  // namespace npusim::models
