#pragma once
// Private: the parsed request a handler gets, the response it returns, the error it throws.
// Nothing here knows about sockets: handlers are testable as plain functions.

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <rastio/serve/server.hpp>

namespace rastio::serve {

class SourcePolicy;
class DatasetCache;

/// A request as the router hands it to a handler.
struct Request {
    std::string method = "GET";
    std::string path;                                  ///< percent-decoded
    std::multimap<std::string, std::string> query;     ///< percent-decoded, repeated keys kept
    std::vector<std::string> captures;                 ///< the route pattern's groups, in order
    std::string body;                                  ///< POST bytes (owned; handlers may move it out)
    std::string if_none_match;
    std::string host;                                  ///< the Host header, when it is a plain host[:port]

    /// The one value of `key`, or nothing; throws HttpError 400 when it is given twice.
    const std::string* one(const std::string& key) const;
    /// Every value of `key`, in order.
    std::vector<std::string> all(const std::string& key) const;
};

/// A response: status, body bytes, content type, extra headers.
struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool cacheable = false;                            ///< a GET answer a CDN may cache
};

/// What a handler throws to answer 4xx/5xx with TiTiler's `{"detail": "..."}`.
class HttpError : public std::runtime_error {
public:
    HttpError(int status, const std::string& detail) : std::runtime_error(detail), m_status(status) {}
    int status() const noexcept { return m_status; }

private:
    int m_status;
};

/// 400 naming the parameter: `bad_param("bidx", "band 5 does not exist")` -> "bidx: band 5 ...".
[[noreturn]] void bad_param(const std::string& name, const std::string& why);

/// Everything a handler may use besides the request; borrowed for one request.
struct Context {
    const Config& config;
    const SourcePolicy& policy;
    DatasetCache& cache;
    std::chrono::steady_clock::time_point deadline;

    /// Throws HttpError 503 when the request has used up its time.
    void check_time() const;
};

} // namespace rastio::serve
