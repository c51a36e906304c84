// Bad presets: each error names the file, the line or key, and what is allowed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/config_dir.h"
#include "base/errors.h"
#include "base/yaml_reader.h"
#include "sim/config/npu_config.h"
#include "tests/support/expect_message.h"

namespace {

using npusim::test::expect_contains;
using npusim::test::message_of;

std::string default_text() {
    std::ifstream in(npu::config_dir() + "/npu/default.yaml");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return text.replace(pos, from.size(), to);
}

std::string error_of(const std::string& text) {
    return message_of<npu::ConfigError>([&] { npu::parse_preset(text, "bad.yaml"); });
}

TEST(ConfigErrors, DefaultPresetLoads) {
    npu::NpuConfig c = npu::load_preset("default");
    EXPECT_EQ(c.name, "default");
    EXPECT_EQ(c.mac_rows, 32);
}

TEST(ConfigErrors, UnknownKey) {
    auto msg = error_of(replace(default_text(), "  latency_cycles: 150", "  latency_cycles: 150\n  latency_cylces: 3"));
    expect_contains(msg, "bad.yaml:");
    expect_contains(msg, "unknown key 'dram.latency_cylces'");
}

TEST(ConfigErrors, MissingKey) {
    auto msg = error_of(replace(default_text(), "  burst_bytes: 64", ""));
    expect_contains(msg, "bad.yaml: missing key(s): dram.burst_bytes");
}

TEST(ConfigErrors, WrongType) {
    expect_contains(error_of(replace(default_text(), "  rows: 32", "  rows: many")),
                    "key 'mac.rows' must be an integer, got 'many'");
    expect_contains(error_of(replace(default_text(), "  rows: 32", "  rows: 32.5")),
                    "key 'mac.rows' must be an integer, got '32.5'");
    expect_contains(error_of(replace(default_text(), "clock_mhz: 1000", "clock_mhz: fast")),
                    "key 'clock_mhz' must be a number, got 'fast'");
}

TEST(ConfigErrors, OutOfRange) {
    expect_contains(error_of(replace(default_text(), "  channels: 2", "  channels: 0")),
                    "key 'dma.channels' = 0 is out of range [1, 16]");
    expect_contains(error_of(replace(default_text(), "  rows: 32", "  rows: -4")),
                    "key 'mac.rows' = -4 is out of range");
    expect_contains(error_of(replace(default_text(), "clock_mhz: 1000", "clock_mhz: nan")),
                    "key 'clock_mhz' = nan is out of range");
    expect_contains(error_of(replace(default_text(), "  l1_bytes: 1048576", "  l1_bytes: 99999999999999999999999")),
                    "key 'sram.l1_bytes' = 99999999999999999999999 is out of range");
}

TEST(ConfigErrors, ModelRules) {
    expect_contains(error_of(replace(default_text(), "  bytes_per_cycle: 32 ", "  bytes_per_cycle: 0 ")),
                    "key 'dram.bytes_per_cycle' = 0 is out of range");
    expect_contains(error_of(replace(default_text(), "  rows: 32 ", "  rows: 0 ")),
                    "key 'mac.rows' = 0 is out of range");
    expect_contains(error_of(replace(default_text(), "  dataflow: ws ", "  dataflow: rowwise ")),
                    "key 'mac.dataflow' = 'rowwise' is not one of ws|os|dot");
    expect_contains(error_of(replace(default_text(), "  acc_bytes: 262144 ", "  acc_bytes: 32 ")),
                    "bad.yaml: sram.acc_bytes = 32 is smaller than one DRAM burst (dram.burst_bytes = 64)");
    expect_contains(error_of(replace(default_text(), "  l1_bytes: 1048576 ", "  l1_bytes: 16 ")),
                    "sram.l1_bytes = 16 is smaller than one DRAM burst");
    expect_contains(error_of(replace(default_text(), "  efficiency: 0.8 ", "  efficiency: 1.5 ")),
                    "key 'dram.efficiency' = 1.5 is out of range [0.01, 1]");
    expect_contains(error_of(replace(default_text(), "    exp: 4 ", "    exp: -4 ")),
                    "key 'vector.cost.exp' = -4 is out of range");
    expect_contains(error_of(replace(default_text(), "cores: 1 ", "cores: 99 ")),
                    "key 'cores' = 99 is out of range [1, 8]");
}

TEST(ConfigErrors, MalformedYaml) {
    expect_contains(error_of("name: x\n\tclock_mhz: 1\n"), "bad.yaml:2: tab character");
    expect_contains(error_of("name: x\nclock_mhz 1000\n"), "bad.yaml:2: expected 'key: value'");
    expect_contains(error_of("name: x\nname: y\n"), "bad.yaml:2: duplicate key 'name'");
    expect_contains(error_of("dram:\n  - 1\n"), "lists are not supported");
    expect_contains(error_of("dram:\nname: x\n"), "bad.yaml:1: key 'dram' has no value");
    expect_contains(error_of("name: \"x\n"), "unterminated quoted value");
    expect_contains(error_of("name: 'it''s\n"), "bad.yaml:1: unterminated quoted value for 'name'");
    expect_contains(error_of("dram: [1, 2]\n"), "bad.yaml:1: key 'dram' holds a list");
    expect_contains(error_of("dram: {burst_bytes: [1\n"), "bad.yaml:2: end of sequence flow not found");
    expect_contains(error_of("- 1\n- 2\n"), "bad.yaml:1: expected a mapping of 'key: value' lines at the top level");
    expect_contains(error_of("a.b: 1\n"), "bad.yaml:1: key 'a.b' may hold only letters, digits, '_' and '-'");
}

// Ordinary YAML beyond block mappings: flow style, anchors and aliases, quoting, block scalars and
// comments give the same preset as the plain block form, with each value's provenance comment.
TEST(ConfigErrors, OrdinaryYamlReadsLikeTheBlockForm) {
    const auto plain = npu::parse_yaml_mapping(
        "name: x  # [a] the name\ndram:\n  burst_bytes: 64  # [b]\n  efficiency: 0.5\nnote: two words\n", "p.yaml");
    const auto fancy = npu::parse_yaml_mapping(
        "---\nname: \"x\"  # [a] the name\ndram: {burst_bytes: &burst 64, efficiency: 0.5}  # [b]\n"
        "note: >-\n  two\n  words\n",
        "f.yaml");
    ASSERT_EQ(plain.size(), fancy.size());
    for (const auto& [key, s] : plain) {
        ASSERT_TRUE(fancy.count(key)) << key;
        EXPECT_EQ(fancy.at(key).value, s.value) << key;
    }
    EXPECT_EQ(plain.at("dram.burst_bytes").comment, "[b]");
    EXPECT_EQ(plain.at("dram.efficiency").comment, "");     // its own line has none, nor has `dram:`
    EXPECT_EQ(fancy.at("dram.efficiency").comment, "[b]");  // on the line of the flow mapping
    EXPECT_EQ(fancy.at("name").comment, "[a] the name");
    EXPECT_EQ(fancy.at("note").line, 4);
    const auto aliased = npu::parse_yaml_mapping("a: &v 7\nb: *v\n", "a.yaml");
    EXPECT_EQ(aliased.at("b").value, "7");
}

TEST(ConfigErrors, FilesAndNames) {
    expect_contains(message_of<npu::ConfigError>([] { npu::load_preset("no_such_preset"); }),
                    "unknown preset 'no_such_preset' (known: default");
    expect_contains(message_of<npu::ConfigError>([] { npu::load_preset("/nonexistent/dir/x.yaml"); }),
                    "/nonexistent/dir/x.yaml: cannot open preset file");
    auto path = std::filesystem::temp_directory_path() / "npusim_bad_preset.yaml";
    std::ofstream(path) << replace(default_text(), "  cols: 32", "  cols: 0");
    std::string msg = message_of<npu::ConfigError>([&] { npu::load_preset(path.string()); });
    expect_contains(msg, path.string() + ":");
    expect_contains(msg, "key 'mac.cols' = 0 is out of range");
    std::filesystem::remove(path);
}

TEST(ConfigErrors, Inheritance) {
    // A preset with a base takes every value of it, overrides its own, and keeps each value's
    // comment (its provenance) and file:line.
    const auto dir = std::filesystem::temp_directory_path() / "npusim_base_test";
    std::filesystem::create_directories(dir);
    const auto child = dir / "child.yaml";
    std::ofstream(child) << "base: rk3588\nname: rk3588@test\ndram:\n  efficiency: 0.8  # fitted: R1\n";
    const npu::PresetFile f = npu::read_preset(child.string());
    const npu::NpuConfig base = npu::load_preset("rk3588");
    EXPECT_EQ(f.base, "rk3588");
    EXPECT_EQ(f.config.name, "rk3588@test");
    EXPECT_EQ(f.config.dram_efficiency, 0.8);
    EXPECT_EQ(f.config.mac_rows, base.mac_rows);
    EXPECT_EQ(npu::provenance(f.entries.at("dram.efficiency").comment), "fitted");
    EXPECT_EQ(f.entries.at("dram.efficiency").where, child.string() + ":4");
    EXPECT_EQ(npu::provenance(f.entries.at("dram.bytes_per_cycle").comment), "sourced");
    EXPECT_EQ(npu::provenance(f.entries.at("vector.cost.exp").comment), "assumed");  // from `cost:`'s comment

    std::ofstream(child) << "base: loop.yaml\nname: child\n";
    std::ofstream(dir / "loop.yaml") << "base: child.yaml\nname: loop\n";
    std::string msg = message_of<npu::ConfigError>([&] { npu::load_preset(child.string()); });
    expect_contains(msg, (dir / "loop.yaml").string() + ":1: base chain " + child.string());
    expect_contains(msg, "is a cycle");
    std::ofstream(child) << "base: nope\nname: child\n";
    expect_contains(message_of<npu::ConfigError>([&] { npu::load_preset(child.string()); }),
                    child.string() + ":1: base: unknown preset 'nope' (known: default");
    std::ofstream(child) << "base: /dev/null\nname: child\n";
    expect_contains(message_of<npu::ConfigError>([&] { npu::load_preset(child.string()); }),
                    child.string() + ":1: base: /dev/null is not a file");
    std::ofstream(child) << "base: rk3588\n";
    expect_contains(message_of<npu::ConfigError>([&] { npu::load_preset(child.string()); }),
                    "a preset with a base must give its own name (the base's is 'rk3588')");
    std::ofstream(child) << "base: rk3588\nname: x\ndram:\n  efficiency: 2\n";
    expect_contains(message_of<npu::ConfigError>([&] { npu::load_preset(child.string()); }),
                    child.string() + ":4: key 'dram.efficiency' = 2 is out of range [0.01, 1]");
    std::filesystem::remove_all(dir);
}

}  // namespace
