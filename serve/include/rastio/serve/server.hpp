#pragma once
/// `rastio serve`: TiTiler's /cog routes and bytes-in/bytes-out /memory routes over HTTP.

#include <chrono>
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace rastio::serve {

/// What the service may open and how hard it may work.
struct Config {
    std::string root;                           ///< local sources must lie under this folder
    std::string host = "127.0.0.1";
    int port = 8000;                            ///< 0: any free port (see Server::port())
    std::size_t workers = 0;                    ///< 0: the number of cores
    std::size_t queue = 0;                      ///< connections waiting for a worker; 0: 16 per worker
    std::vector<std::string> allow_hosts;       ///< hosts http(s) sources may name
    std::vector<std::string> drivers = {"GTiff", "COG", "PNG", "JPEG", "WEBP"}; ///< what may be opened
    std::size_t max_body_bytes = 64u << 20;     ///< cap of a /memory request body
    /// Per-request time limit, three times over: for the request to arrive whole (headers and
    /// body, counted from the end of the previous answer on a kept-alive connection), for the
    /// handler, and for the answer to leave. A client past the first or the last is cut off.
    std::chrono::milliseconds request_time = std::chrono::seconds(30);
    std::chrono::milliseconds io_timeout = std::chrono::seconds(5);    ///< socket read/write stall limit
    /// Requests a connection may send before it is closed (and queued again behind the others:
    /// each connection holds a worker while it is open, so a small number keeps waits fair).
    std::size_t keep_alive_requests = 2;
    std::size_t cache_per_worker = 32;          ///< open datasets kept by each worker thread
    std::string cache_control = "public, max-age=3600"; ///< Cache-Control of GET answers
};

/// Throws std::invalid_argument naming what is wrong with `config` (a missing root, a bad port...).
void check_config(const Config& config);

/// An HTTP server on `config.host`; bind() then run() (which blocks until stop()).
class Server {
public:
    /// Borrows `log` (one access-log line per request; may be null) until the server is destroyed.
    explicit Server(Config config, std::ostream* log = nullptr);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    Server(Server&&) = delete;
    Server& operator=(Server&&) = delete;
    /// Stops (in-flight requests finish) and joins the workers.
    ~Server();

    /// Binds the listening socket; returns the port. Throws std::runtime_error when it cannot.
    int bind();
    /// Serves until stop(); in-flight requests finish before it returns.
    void run();
    /// Asks run() to return; safe from any thread (not from a signal handler: see run_until_signal).
    void stop();
    /// The port bound, 0 before bind().
    int port() const noexcept;
    /// "http://host:port".
    std::string url() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Binds, prints the URL (and a map URL for `example`, a path under the root, when given) to
/// `out`, serves until SIGTERM or SIGINT, then stops gracefully. For the tool.
void run_until_signal(const Config& config, std::ostream& out, std::ostream* log, const std::string& example = {});

} // namespace rastio::serve
