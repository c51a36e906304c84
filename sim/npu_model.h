#pragma once
// The SystemC NPU: DRAM, DMA channels, MAC array, vector unit and controller, elaborated once per
// process. Every parameter is run-time data, so one elaboration serves any number of runs with
// any presets (SystemC cannot re-elaborate, E529, nor restart after sc_stop, E546).
#include "sim/control/controller.h"
#include "sim/dma/dma_engine.h"
#include "sim/dram/fcfs_bus_dram.h"
#include "sim/mac/mac_array.h"
#include "sim/systemc.h"
#include "sim/vector/vector_unit.h"

namespace npu {

class NpuModel : public sc_core::sc_module {
public:
    explicit NpuModel(const sc_core::sc_module_name& name)
        : sc_module(name), dma("dma", dram), mac("mac"), vec("vector"), controller(dma, mac, vec) {}
    FcfsBusDram dram;
    DmaEngine dma;
    MacArray mac;
    VectorUnit vec;
    Controller controller;
};

}  // namespace npu
