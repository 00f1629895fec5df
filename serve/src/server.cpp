// HTTP glue: cpp-httplib accepts and parses; a bounded pool of workers runs dispatch(); a full
// queue answers 503; SIGTERM stops gracefully. Nothing here knows a route.
#include <rastio/serve/server.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <filesystem>
#include <functional>
#include <iomanip>
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
    httplib::Server http;
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
