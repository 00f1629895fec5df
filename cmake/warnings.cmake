# rastio_warnings: an interface target carrying the project's warning flags.
add_library(rastio_warnings INTERFACE)
target_compile_options(rastio_warnings INTERFACE
  $<BUILD_INTERFACE:-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wold-style-cast
  -Wno-missing-field-initializers>)
# Designated initializers that leave out defaulted Profile fields are the intended style.
if(RASTIO_WERROR)
  target_compile_options(rastio_warnings INTERFACE $<BUILD_INTERFACE:-Werror>)
endif()
