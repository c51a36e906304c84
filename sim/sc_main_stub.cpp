// libsystemc.so defines main() and calls sc_main, so every binary that links it must define
// sc_main, even when it never enters SystemC through main(): the CLI and tests have their own
// main(), and the Python module must export the symbol or its import fails. CMake compiles this
// file into each target that links npusim_sim (an INTERFACE source), so the definition is always
// linked in.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) {
    return 0;
}
