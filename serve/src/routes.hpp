#pragma once
// Private: the route table and the dispatcher every request passes through.

#include "types.hpp"

namespace rastio::serve {

/// Finds the route for `req` (404/405 otherwise), runs its handler, and turns every failure into
/// TiTiler's {"detail": ...} with a 4xx (a 500 only for the unexpected, without any internals).
/// Adds ETag and Cache-Control to cacheable answers and answers 304 to a matching If-None-Match.
Response dispatch(Request& req, Context& ctx);

} // namespace rastio::serve
