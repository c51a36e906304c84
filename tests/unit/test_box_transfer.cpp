// Burst accounting of strided DMA boxes.
#include <gtest/gtest.h>

#include "sim/dma/box_transfer.h"

using npu::box_cost;

TEST(BoxTransfer, AlignedContiguousRowsMergeIntoWholeBursts) {
    // 32 rows of 64 bytes, pitch 64: one contiguous 2 KiB span.
    auto c = box_cost(4096, {{64, 1}, {32, 64}}, 1, 64);
    EXPECT_EQ(c.bytes, 2048u);
    EXPECT_EQ(c.bus_bytes, 2048u);
    EXPECT_EQ(c.rows, 1u);
}

TEST(BoxTransfer, MisalignedBasePaysAnExtraBurstPerRow) {
    // 32 rows of 64 bytes at pitch 128 starting one byte past a burst boundary: each row touches 2 bursts.
    auto aligned = box_cost(4096, {{64, 1}, {32, 128}}, 1, 64);
    auto shifted = box_cost(4097, {{64, 1}, {32, 128}}, 1, 64);
    EXPECT_EQ(aligned.bus_bytes, 32u * 64u);
    EXPECT_EQ(shifted.bus_bytes, 32u * 128u);
}

TEST(BoxTransfer, OddPitchMisalignsMostRows) {
    // Pitch 65: row r starts at 65*r, so every row but those landing on a boundary spans 2 bursts.
    auto c = box_cost(0, {{64, 1}, {64, 65}}, 1, 64);
    uint64_t expected = 0;
    for (uint64_t r = 0; r < 64; ++r)
        expected += ((r * 65 % 64) == 0 ? 1 : 2) * 64;
    EXPECT_EQ(c.bus_bytes, expected);
    EXPECT_EQ(c.bytes, 64u * 64u);
}

TEST(BoxTransfer, ShortRowsPayWholeBursts) {
    auto c = box_cost(0, {{16, 4}, {3, 1024}}, 4, 64);  // 3 rows of 64 B at pitch 1 KiB
    EXPECT_EQ(c.bus_bytes, 3u * 64u);
    auto d = box_cost(0, {{10, 1}, {8, 64}}, 1, 64);  // 8 rows of 10 B
    EXPECT_EQ(d.bytes, 80u);
    EXPECT_EQ(d.bus_bytes, 8u * 64u);
}

TEST(BoxTransfer, EmptyBoxMovesNothing) {
    auto c = box_cost(0, {{0, 1}, {8, 64}}, 1, 64);
    EXPECT_EQ(c.bytes, 0u);
    EXPECT_EQ(c.bus_bytes, 0u);
}
