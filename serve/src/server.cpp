// HTTP glue: cpp-httplib accepts and parses; a bounded pool of workers runs dispatch(); a full
// queue answers 503; SIGTERM stops gracefully. Nothing here knows a route.
#include <rastio/serve/server.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <list>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <cpl_conv.h>
#include <gdal.h>

#include "routes.hpp"
#include "sources.hpp"

namespace rastio::serve {

namespace {

thread_local DatasetCache* t_cache = nullptr;     // this worker's datasets
thread_local bool t_rejecting = false;            // this thread only answers 503
thread_local std::chrono::steady_clock::time_point t_start;

// httplib's TaskQueue with a bounded queue: each worker keeps its own dataset cache; a
// connection that finds the queue full goes to one rejecting thread that answers 503 at once.
class BoundedPool final : public httplib::TaskQueue {
public:
    BoundedPool(std::size_t workers, std::size_t max_queue, std::size_t cache_size) : m_max_queue(max_queue) {
        for (std::size_t i = 0; i < workers; ++i) {
            m_threads.emplace_back([this, cache_size] {
                DatasetCache cache(cache_size);
                t_cache = &cache;
                run(m_jobs);
                t_cache = nullptr;
            });
        }
        m_threads.emplace_back([this] {
            t_rejecting = true;
            run(m_rejects);
        });
    }
    BoundedPool(const BoundedPool&) = delete;
    BoundedPool& operator=(const BoundedPool&) = delete;
    BoundedPool(BoundedPool&&) = delete;
    BoundedPool& operator=(BoundedPool&&) = delete;
    ~BoundedPool() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        {
            std::lock_guard lock(m_mutex);
            (m_jobs.size() < m_max_queue ? m_jobs : m_rejects).push_back(std::move(fn));
        }
        m_cv.notify_all();
    }

    void shutdown() override {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) return;
            m_stopping = true;
        }
        m_cv.notify_all();
        for (auto& t : m_threads) t.join();
    }

private:
    // Runs jobs from `q` until shutdown, finishing what is queued first.
    void run(std::deque<std::function<void()>>& q) {
        for (;;) {
            std::function<void()> fn;
            {
                std::unique_lock lock(m_mutex);
                m_cv.wait(lock, [&] { return !q.empty() || m_stopping; });
                if (q.empty()) return;
                fn = std::move(q.front());
                q.pop_front();
            }
            fn();
        }
    }

    std::size_t m_max_queue;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::function<void()>> m_jobs, m_rejects;
    std::vector<std::thread> m_threads;
    bool m_stopping = false;
};

// Whole-request deadlines. httplib's own limits are per read and per write (the I/O limit), so a
// client that sends a byte just inside it, again and again, would hold a worker for hours. Each
// connection is registered here while a worker has it; while the request is arriving (headers
// and body) and while the answer leaves, it has a due time, and a watchdog thread shuts the
// socket of a connection past it. The handler itself runs unwatched: it checks its own deadline.
class Deadlines {
public:
    using Clock = std::chrono::steady_clock;
    struct Entry {
        int fd = -1;
        Clock::time_point due = Clock::time_point::max();
        bool cut = false;
    };

    Deadlines() : m_thread([this] { watch(); }) {}
    Deadlines(const Deadlines&) = delete;
    Deadlines& operator=(const Deadlines&) = delete;
    Deadlines(Deadlines&&) = delete;
    Deadlines& operator=(Deadlines&&) = delete;
    ~Deadlines() {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_cv.notify_all();
        m_thread.join();
    }

    /// Watches `fd` from now on; the worker calls release() before it closes the socket.
    std::list<Entry>::iterator add(int fd) {
        std::lock_guard lock(m_mutex);
        m_entries.push_front(Entry{fd});
        return m_entries.begin();
    }
    void release(std::list<Entry>::iterator it) {
        std::lock_guard lock(m_mutex);
        m_entries.erase(it);
    }
    /// Sets when the connection's current phase must end; max() leaves it unwatched.
    void set_due(std::list<Entry>::iterator it, Clock::time_point due) {
        std::lock_guard lock(m_mutex);
        it->due = due;
    }

private:
    void watch() {
        std::unique_lock lock(m_mutex);
        while (!m_stopping) {
            m_cv.wait_for(lock, std::chrono::milliseconds(100));
            const auto now = Clock::now();
            for (auto& e : m_entries) {
                if (e.cut || e.due > now) continue;
                // The fd stays open until release(), which takes the same lock: it cannot be a
                // socket another connection reused.
                ::shutdown(e.fd, SHUT_RDWR);
                e.cut = true;
            }
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::list<Entry> m_entries;
    bool m_stopping = false;
    std::thread m_thread;
};

thread_local Deadlines* t_deadlines = nullptr;
thread_local std::list<Deadlines::Entry>::iterator t_entry;

// One connection's bytes for httplib's request parser: a read buffer (the parser reads its
// lines a byte at a time), every wait bounded by the I/O limit.
class ConnectionStream final : public httplib::Stream {
public:
    ConnectionStream(int fd, std::chrono::milliseconds io) : m_fd(fd), m_io_ms(static_cast<int>(io.count())) {}

    bool is_readable() const override { return m_pos < m_len || wait(POLLIN, m_io_ms); }
    bool is_writable() const override { return wait(POLLOUT, m_io_ms); }
    /// True when a byte (or the peer's close) arrives within `ms`.
    bool wait_readable(int ms) const { return m_pos < m_len || wait(POLLIN, ms); }

    ssize_t read(char* out, std::size_t size) override {
        if (m_pos == m_len) {
            if (size >= m_buffer.size()) return is_readable() ? recv_retry(out, size) : -1;
            if (!is_readable()) return -1;
            const ssize_t n = recv_retry(m_buffer.data(), m_buffer.size());
            if (n <= 0) return n;
            m_pos = 0;
            m_len = static_cast<std::size_t>(n);
        }
        const std::size_t n = std::min(size, m_len - m_pos);
        std::memcpy(out, m_buffer.data() + m_pos, n);
        m_pos += n;
        return static_cast<ssize_t>(n);
    }

    ssize_t write(const char* data, std::size_t size) override {
        if (!is_writable()) return -1;
        for (;;) {
            const ssize_t n = ::send(m_fd, data, size, MSG_NOSIGNAL);
            if (n >= 0 || errno != EINTR) return n;
        }
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override { address(true, ip, port); }
    void get_local_ip_and_port(std::string& ip, int& port) const override { address(false, ip, port); }
    socket_t socket() const override { return m_fd; }

private:
    bool wait(short events, int ms) const {
        pollfd p{m_fd, events, 0};
        for (;;) {
            const int r = ::poll(&p, 1, ms);
            if (r >= 0) return r > 0;
            if (errno != EINTR) return false;
        }
    }
    ssize_t recv_retry(char* out, std::size_t size) const {
        for (;;) {
            const ssize_t n = ::recv(m_fd, out, size, 0);
            if (n >= 0 || errno != EINTR) return n;
        }
    }
    void address(bool remote, std::string& ip, int& port) const {
        sockaddr_storage a{};
        socklen_t len = sizeof a;
        auto* sa = reinterpret_cast<sockaddr*>(&a); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
        if ((remote ? ::getpeername(m_fd, sa, &len) : ::getsockname(m_fd, sa, &len)) != 0) return;
        char text[INET6_ADDRSTRLEN] = {};
        if (a.ss_family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(&a); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
            ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
            port = ntohs(in->sin_port);
        } else if (a.ss_family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a); // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
            ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
            port = ntohs(in6->sin6_port);
        }
        ip = text;
    }

    int m_fd;
    int m_io_ms;
    std::array<char, 4096> m_buffer{};
    std::size_t m_pos = 0, m_len = 0;
};

// httplib's server with its connection loop replaced by one that keeps a due time on every
// phase but the handler's (see Deadlines). Parsing, routing and writing stay httplib's.
class HttpServer final : public httplib::Server {
public:
    HttpServer(const Config& config, Deadlines& deadlines) : m_config(config), m_deadlines(deadlines) {}

private:
    bool process_and_close_socket(socket_t sock) override {
        const auto entry = m_deadlines.add(sock);
        t_deadlines = &m_deadlines;
        t_entry = entry;
        ConnectionStream stream(sock, m_config.io_timeout);
        const int idle_ms = static_cast<int>(keep_alive_timeout_sec_ * 1000);
        bool ok = false;
        for (std::size_t left = std::max<std::size_t>(keep_alive_max_count_, 1); left > 0; --left) {
            if (svr_sock_ == INVALID_SOCKET) break; // stopping: no new request on this connection
            // The next request (after the idle wait) must have arrived whole within the time limit.
            m_deadlines.set_due(entry, std::chrono::steady_clock::now() + m_config.request_time);
            if (!stream.wait_readable(idle_ms)) break;
            bool closed = false;
            ok = process_request(stream, left == 1, closed, nullptr);
            if (!ok || closed) break;
        }
        t_deadlines = nullptr;
        m_deadlines.release(entry);
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
        return ok;
    }

    const Config& m_config;
    Deadlines& m_deadlines;
};

std::string detail_json(const std::string& detail) {
    std::string out = "{\"detail\":\"";
    for (const char c : detail) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"}";
}

} // namespace

void check_config(const Config& c) {
    if (c.root.empty()) throw std::invalid_argument("--root is required: the folder whose rasters may be served");
    std::error_code ec;
    if (!std::filesystem::is_directory(c.root, ec)) throw std::invalid_argument("--root " + c.root + " is not a folder");
    if (c.port < 0 || c.port > 65535) throw std::invalid_argument("--port must be 0..65535");
    if (c.workers > 1024) throw std::invalid_argument("--workers must be 1..1024");
    if (c.max_body_bytes == 0) throw std::invalid_argument("--max-body-mb must be positive");
    GDALAllRegister();
    for (const auto& d : c.drivers) {
        if (!GDALGetDriverByName(d.c_str())) throw std::invalid_argument("--drivers: unknown GDAL driver " + d);
    }
}

struct Server::Impl {
    Config config;
    std::ostream* log;
    SourcePolicy policy;
    Deadlines deadlines;
    HttpServer http{config, deadlines};
    int port = 0;
    std::mutex log_mutex;

    Impl(Config c, std::ostream* l) : config((check_config(c), std::move(c))), log(l), policy(config) {
        if (config.workers == 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
        if (config.queue == 0) config.queue = 16 * config.workers;
        const std::size_t workers = config.workers, queue = config.queue, cache = config.cache_per_worker;
        http.new_task_queue = [workers, queue, cache] { return new BoundedPool(workers, queue, cache); };
        const auto io = config.io_timeout;
        const auto sec = static_cast<time_t>(io.count() / 1000), usec = static_cast<time_t>(io.count() % 1000 * 1000);
        http.set_read_timeout(sec, usec);
        http.set_write_timeout(sec, usec);
        http.set_keep_alive_timeout(2);
        http.set_tcp_nodelay(true); // headers and body go in two writes: no Nagle delay between them
        http.set_keep_alive_max_count(std::max<std::size_t>(config.keep_alive_requests, 1));
        http.set_payload_max_length(config.max_body_bytes);
        http.set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
            t_start = std::chrono::steady_clock::now();
            if (!t_rejecting) return httplib::Server::HandlerResponse::Unhandled;
            res.status = 503;
            res.set_header("Retry-After", "1");
            res.set_header("Connection", "close");
            res.set_content(detail_json("server busy: the request queue is full"), "application/json");
            return httplib::Server::HandlerResponse::Handled;
        });
        auto handler = [this](const httplib::Request& hr, httplib::Response& res) { handle(hr, res); };
        http.Get(".*", handler);
        http.Post(".*", handler);
        http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
            if (res.body.empty() && res.status != 304) {
                const std::string what = res.status == 413 ? "request body larger than the server allows (--max-body-mb)"
                                                           : "HTTP error " + std::to_string(res.status);
                res.set_content(detail_json(what), "application/json");
            }
        });
        http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            res.status = 500;
            res.set_content(detail_json("internal error"), "application/json");
        });
        if (log) {
            http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
                const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_start).count();
                std::ostringstream line;
                line << req.remote_addr << ' ' << req.method << ' ' << req.path << ' ' << res.status << ' ' << res.body.size()
                     << ' ' << std::fixed << std::setprecision(1) << ms << "ms\n";
                std::lock_guard lock(log_mutex);
                *log << line.str() << std::flush;
            });
        }
    }

    void handle(const httplib::Request& hr, httplib::Response& res) {
        // The request has arrived whole: the handler keeps its own deadline (Context::deadline),
        // and the answer must have left within the time limit once it is written.
        if (t_deadlines) t_deadlines->set_due(t_entry, std::chrono::steady_clock::time_point::max());
        struct ArmForWriting {
            const Config& config;
            ~ArmForWriting() {
                if (t_deadlines) t_deadlines->set_due(t_entry, std::chrono::steady_clock::now() + config.request_time);
            }
        } arm_for_writing{config};
        Request req;
        req.method = hr.method;
        req.path = hr.path;
        for (const auto& [k, v] : hr.params) req.query.emplace(k, v);
        // httplib hands a const request it no longer needs; taking its body avoids copying up to
        // --max-body-mb bytes.
        req.body = std::move(const_cast<std::string&>(hr.body)); // NOLINT(cppcoreguidelines-pro-type-const-cast): see above
        req.if_none_match = hr.get_header_value("If-None-Match");
        const std::string host = hr.get_header_value("Host");
        if (!host.empty() && host.size() < 256 && host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == std::string::npos) {
            req.host = host;
        } else {
            req.host = config.host + ":" + std::to_string(port);
        }
        DatasetCache fallback(config.cache_per_worker);
        Context ctx{config, policy, t_cache ? *t_cache : fallback, std::chrono::steady_clock::now() + config.request_time};
        Response r = dispatch(req, ctx);
        res.status = r.status;
        for (const auto& [k, v] : r.headers) res.set_header(k.c_str(), v);
        if (!r.content_type.empty()) res.set_header("Content-Type", r.content_type);
        res.body = std::move(r.body);
    }
};

Server::Server(Config config, std::ostream* log) : m_impl(std::make_unique<Impl>(std::move(config), log)) {}

Server::~Server() { stop(); }

int Server::bind() {
    const auto& c = m_impl->config;
    if (c.port == 0) {
        m_impl->port = m_impl->http.bind_to_any_port(c.host.c_str());
    } else {
        m_impl->port = m_impl->http.bind_to_port(c.host.c_str(), c.port) ? c.port : -1;
    }
    if (m_impl->port <= 0) {
        m_impl->port = 0;
        throw std::runtime_error("cannot listen on " + c.host + ":" + std::to_string(c.port));
    }
    return m_impl->port;
}

void Server::run() {
    if (m_impl->port == 0) bind();
    m_impl->http.listen_after_bind();
}

void Server::stop() { m_impl->http.stop(); }

int Server::port() const noexcept { return m_impl->port; }

std::string Server::url() const { return "http://" + m_impl->config.host + ":" + std::to_string(m_impl->port); }

namespace {

// A raster directly under the root, for the example map URL printed at start.
std::string first_raster(const std::string& root) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
        const auto ext = e.path().extension().string();
        if (e.is_regular_file(ec) && (ext == ".tif" || ext == ".tiff")) names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names.empty() ? "PATH" : names.front();
}

} // namespace

void run_until_signal(const Config& config, std::ostream& out, std::ostream* log, const std::string& example) {
    // Remote sources: no directory listing on open, bounded waits.
    if (!CPLGetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", nullptr)) CPLSetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR");
    if (!CPLGetConfigOption("GDAL_HTTP_TIMEOUT", nullptr)) CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "10");
    // SIGTERM and SIGINT are taken by a waiting thread, never by a handler in a worker.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    Server server(config, log);
    server.bind();
    const std::string ex = example.empty() ? first_raster(config.root) : example;
    out << "rastio serve: listening on " << server.url() << "\n"
        << "map: " << server.url() << "/cog/WebMercatorQuad/map.html?url=" << ex << "\n"
        << "tile: " << server.url() << "/cog/tiles/WebMercatorQuad/{z}/{x}/{y}.png?url=" << ex << "\n"
        << std::flush;
    std::atomic<bool> done{false};
    std::thread waiter([&] {
        const timespec tick{0, 200'000'000};
        while (!done) {
            if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
                server.stop();
                return;
            }
        }
    });
    server.run();
    done = true;
    waiter.join();
    out << "rastio serve: stopped\n" << std::flush;
}

} // namespace rastio::serve
