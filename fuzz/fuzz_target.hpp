#pragma once
// The body of the fuzz target, shared by the libFuzzer binary and the replay program.

#include <cstddef>
#include <cstdint>

namespace rastio::fuzz {

/// Feeds one input through MemoryFile -> open -> profile/read/masks -> getbuffer. Returns
/// normally on success or a rastio::Error; lets anything else escape (that is a finding).
void one_input(const std::uint8_t* data, std::size_t size);

} // namespace rastio::fuzz
