# The front door: `make run` and `make test` set everything up on a fresh machine.
BUILD ?= build
VENV  := .venv
PY    := $(abspath $(VENV))/bin/python
JOBS  ?= 2

.PHONY: all setup configure build test check run clean format validation fidelity notebook bench kernels-table stubs experiments fuzz fuzz-build \
        fuzz-long test-sanitize

all: build

setup:
	@bash scripts/setup.sh

# ccache: `make test`'s package check builds the same sources again for `pip install .`, and
# finds them compiled (CMAKE_CXX_COMPILER_LAUNCHER, also read from the environment by that build).
export CMAKE_CXX_COMPILER_LAUNCHER = $(shell command -v ccache)

configure: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DNPUSIM_PYTHON=ON -DNPUSIM_TESTS=ON -DNPUSIM_BENCH=ON \
	  -DPython_EXECUTABLE=$(PY) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)
	@# Make `import npusim` work in the venv: point it at the built package.
	@echo "$(abspath $(BUILD))/python" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/npusim-build.pth

# Every test: the C++ and Python suites, then a short run of each fuzz target (FUZZ_SECONDS each).
test: build fuzz-build
	@cmake --build $(BUILD) -j $(JOBS) --target npusim_tests
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@ctest --test-dir build-fuzz --output-on-failure -j $(JOBS)

# The fast labels (unit, error, golden: the C++ tests) after a build, for the edit-build-test loop.
check: build
	@cmake --build $(BUILD) -j $(JOBS) --target npusim_tests
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -L 'unit|error|golden'

# The fuzz targets of the input parsers (tests/fuzz/), built with clang, libFuzzer, ASan and UBSan.
FUZZ_SECONDS ?= 20
fuzz-build: setup
	@cmake --preset fuzz -DNPUSIM_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

fuzz: fuzz-build
	@ctest --test-dir build-fuzz --output-on-failure -j $(JOBS)

# Each target for 10 minutes, one after another (about 40 minutes); the executions reached are
# in each run's final stats (stat::number_of_executed_units).
fuzz-long:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=600

# The whole C++ test suite under AddressSanitizer + UndefinedBehaviorSanitizer (CMakePresets.json).
test-sanitize: setup
	@cmake --preset sanitize >/dev/null
	@cmake --build build-sanitize -j $(JOBS) --target all npusim_tests
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-sanitize --output-on-failure -j $(JOBS) -L 'unit|error|golden'

# The main job: Llama-3.2-1B, W4A8 static, prefill 512 + decode 128 on the default preset; the
# summary and per-layer table on stdout, the JSON report, a trace and a breakdown plot under out/.
RUN_OUT := out/llama-3.2-1b-w4a8-default
run: build
	@mkdir -p out
	@$(BUILD)/bin/npusim model --preset default --model llama-3.2-1b --quant w4a8 --prefill 512 --decode 128 \
	  --save $(RUN_OUT).json --trace $(RUN_OUT).trace.json
	@$(PY) -m npusim.plots $(RUN_OUT).json $(RUN_OUT).png
	@echo "report $(RUN_OUT).json, trace $(RUN_OUT).trace.json (open in ui.perfetto.dev)"

validation: build
	@$(PY) bench/validate_scalesim.py

# Jupyter on the notebooks; installs the pinned requirements-jupyter.txt into .venv on first use.
notebook: build
	@$(VENV)/bin/jupyter-notebook --version >/dev/null 2>&1 || $(VENV)/bin/pip install -q -r requirements-jupyter.txt
	@$(VENV)/bin/jupyter-notebook notebooks/

# Calibrated presets fitted to the public measurements, docs/fidelity.md and the README's figures.
fidelity: build
	@$(PY) validation/fidelity.py

bench: build
	@cmake --build $(BUILD) -j $(JOBS) --target bench_simulator
	@$(BUILD)/bin/bench_simulator

# Every experiment in full (experiments/README.md): tables and figures under out/experiments/.
experiments: build
	@for e in experiments/*/run.py; do $(PY) $$e || exit 1; done
	@$(PY) experiments/index.py

kernels-table: build
	@$(PY) bench/kernel_table.py

# The type stubs of the compiled module (bindings/npusim/_npusim.pyi); a test checks they are current.
stubs: build
	@cd $(BUILD)/python && $(PY) -m pybind11_stubgen npusim._npusim -o $(abspath $(BUILD))/stubs >/dev/null
	@cp $(BUILD)/stubs/npusim/_npusim.pyi bindings/npusim/_npusim.pyi && echo "wrote bindings/npusim/_npusim.pyi"

# clang-format over every C++ folder (the list is in tests/CMakeLists.txt, beside its check).
format: configure
	@cmake --build $(BUILD) --target format

clean:
	@rm -rf $(BUILD) build-fuzz build-sanitize
