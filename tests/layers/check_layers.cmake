# The layering check (cmake/layers.cmake) passes on the sources and fails, naming the file, on a
# tree where a lower layer includes a higher one. Run by ctest as unit.layers.
set(layers ${CMAKE_CURRENT_LIST_DIR}/../../cmake/layers.cmake)

execute_process(COMMAND ${CMAKE_COMMAND} -DNPUSIM_ROOT=${SOURCE_ROOT} -P ${layers}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the sources break the layering:\n${err}")
endif()

set(tree ${WORK_DIR}/layers-violation)
file(REMOVE_RECURSE ${tree})
file(WRITE ${tree}/base/errors.h "#pragma once\n#include \"flow/tuner.h\"\n")
file(WRITE ${tree}/flow/tuner.h "#pragma once\n#include \"base/errors.h\"\n#include \"quant/x.h\"\n")
file(WRITE ${tree}/sim/control/controller.cpp "#include \"sim/program.h\"\n#include \"sim/mac/mac_array.h\"\n")
execute_process(COMMAND ${CMAKE_COMMAND} -DNPUSIM_ROOT=${tree} -P ${layers}
                RESULT_VARIABLE rc ERROR_VARIABLE err)
foreach(want "base/errors.h (base, layer 0) includes flow/tuner.h (flow, layer 6)"
             "flow/tuner.h (flow, layer 6) includes quant/x.h (quant, layer 7)")
  string(FIND "${err}" "${want}" at)
  if(rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "expected the check to fail with \"${want}\"; it said (exit ${rc}):\n${err}")
  endif()
endforeach()
# Same folder, and a lower layer from a higher one, are allowed.
foreach(allowed "includes base/errors.h" "controller.cpp")
  string(FIND "${err}" "${allowed}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "the check refused an allowed include (${allowed}):\n${err}")
  endif()
endforeach()
