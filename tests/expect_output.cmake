# cmake -DCOMMAND=prog -DEXPECTED=file -P expect_output.cmake
# Runs COMMAND; fails unless it exits 0 and prints exactly EXPECTED.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
file(READ ${EXPECTED} want)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${COMMAND} exited with ${rc}")
endif()
if(NOT out STREQUAL want)
  message(FATAL_ERROR "${COMMAND} printed:\n${out}\nexpected:\n${want}")
endif()
message(STATUS "output matches ${EXPECTED}")
