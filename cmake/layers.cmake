# The layers of npusim, lowest first (the folders of one layer separated by commas). Code in a
# folder may include headers from, and its library may link, only its own folder and folders of
# lower layers; folders of one layer are independent of each other. docs/architecture.md draws
# the same picture.
#
# Used two ways:
#  - from CMakeLists.txt at configure time: npusim_check_layers() checks every source file's
#    includes and every npusim_* library's links, and stops the configure on a violation;
#  - as a script, `cmake -DNPUSIM_ROOT=<dir> -P cmake/layers.cmake`, which checks the includes
#    of the tree at <dir> (tests/layers runs it on a tree with a violation to see it fail).
set(NPUSIM_LAYERS
  "base"                      # errors, host memory, the config directory, the YAML reader
  "sim/program"               # npu::Program, its expressions and text form (sim/program.h too)
  "sim/config,recipes"        # NPU parameters and presets; quantization recipes
  "models,compiler,kernels"   # config.json -> ops; Halide IR -> npu::Program; Halide algorithms
  "sim,soc"                   # the SystemC NPU (every sim/ folder not named above); the device
                              # around it (storage, heat and DVFS)
  "schedules"                 # per-family schedules and the kernel interface they implement
  "flow"                      # kernel flow, tuner, whole-model runs: schedules on the simulator
  "quant,deploy"              # accuracy of quantized passes on real weights; deployment manifests
  "cli,bindings")             # the npusim command and the Python module

# The folder of the first layer whose name is a prefix of `path` (a path relative to the source
# root, or an include such as "sim/program.h"), the longest match winning; "" when none is.
function(npusim_folder_of path out_folder out_layer)
  set(best "")
  set(best_layer -1)
  set(layer 0)
  foreach(group IN LISTS NPUSIM_LAYERS)
    string(REPLACE "," ";" folders "${group}")
    foreach(folder IN LISTS folders)
      string(LENGTH "${folder}" n)
      string(LENGTH "${best}" nb)
      if((path STREQUAL "${folder}.h" OR path MATCHES "^${folder}/") AND n GREATER nb)
        set(best "${folder}")
        set(best_layer ${layer})
      endif()
    endforeach()
    math(EXPR layer "${layer} + 1")
  endforeach()
  set(${out_folder} "${best}" PARENT_SCOPE)
  set(${out_layer} ${best_layer} PARENT_SCOPE)
endfunction()

# Every `#include "folder/..."` of the layered folders under `root`; the violations as messages.
function(npusim_include_violations root out)
  set(found "")
  file(GLOB_RECURSE sources RELATIVE ${root} ${root}/*.h ${root}/*.cpp)
  foreach(src IN LISTS sources)
    npusim_folder_of("${src}" from from_layer)
    if(from_layer LESS 0)
      continue()
    endif()
    file(STRINGS ${root}/${src} includes REGEX "^#include \"[^\"]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      npusim_folder_of("${header}" to to_layer)
      if(to_layer LESS 0 OR to STREQUAL from)
        continue()
      endif()
      if(NOT to_layer LESS from_layer)
        list(APPEND found "${src} (${from}, layer ${from_layer}) includes ${header} (${to}, layer ${to_layer})")
      endif()
    endforeach()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

function(npusim_report_violations violations)
  if(violations)
    list(JOIN violations "\n  " text)
    message(FATAL_ERROR "layering: code may use only its own folder and lower layers "
                        "(cmake/layers.cmake):\n  ${text}")
  endif()
endfunction()

# Configure-time check of the includes and of the links between npusim_* libraries (each made
# with npusim_library, which records its folder).
function(npusim_check_layers)
  npusim_include_violations(${CMAKE_SOURCE_DIR} violations)
  get_property(targets GLOBAL PROPERTY NPUSIM_LAYERED_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(folder ${t} NPUSIM_FOLDER)
    npusim_folder_of("${folder}/" f layer)
    get_target_property(links ${t} LINK_LIBRARIES)
    foreach(dep IN LISTS links)
      if(NOT TARGET ${dep})
        continue()
      endif()
      get_target_property(dep_folder ${dep} NPUSIM_FOLDER)
      if(NOT dep_folder)
        continue()
      endif()
      npusim_folder_of("${dep_folder}/" df dep_layer)
      if(NOT dep_layer LESS layer)
        list(APPEND violations "${t} (${folder}, layer ${layer}) links ${dep} (${dep_folder}, layer ${dep_layer})")
      endif()
    endforeach()
  endforeach()
  npusim_report_violations("${violations}")
endfunction()

# A static library of the folder `folder` (for the link check).
function(npusim_library name folder)
  add_library(${name} STATIC ${ARGN})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  set_target_properties(${name} PROPERTIES NPUSIM_FOLDER ${folder})
  set_property(GLOBAL APPEND PROPERTY NPUSIM_LAYERED_TARGETS ${name})
endfunction()

if(CMAKE_SCRIPT_MODE_FILE AND NPUSIM_ROOT)
  npusim_include_violations(${NPUSIM_ROOT} violations)
  npusim_report_violations("${violations}")
endif()
