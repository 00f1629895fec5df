// Files the map viewer needs, served by rastio itself so that it works offline: Leaflet from
// Debian's libjs-leaflet.
#include <fstream>
#include <iterator>

#include "handlers.hpp"

namespace rastio::serve {

Response static_file(Request& req, Context&) {
    const std::string& name = req.captures.at(0); // the route allows [a-z0-9-] names only
    std::ifstream in(std::string(RASTIO_LEAFLET_DIR) + "/" + name, std::ios::binary);
    if (!in) throw HttpError(404, "Not Found");
    Response r;
    r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const auto ext = name.substr(name.rfind('.') + 1);
    r.content_type = ext == "js" ? "text/javascript" : ext == "css" ? "text/css" : "image/png";
    r.cacheable = true;
    return r;
}

} // namespace rastio::serve
