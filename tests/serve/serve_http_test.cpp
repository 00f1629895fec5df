// rastio serve over real sockets on 127.0.0.1 (a port the system picks): every route, headers,
// images, hostile requests, slow clients, a full queue, a graceful stop. Each test starts and
// stops its own server; every wait is bounded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <rastio/serve/server.hpp>

#include "serve_fixture.hpp"

namespace rastio::serve {
namespace {

using test::ServedFolder;
using Json = nlohmann::json;

// A raw TCP connection, for requests no well-behaved client sends. Closed on destruction.
class RawSocket {
public:
    explicit RawSocket(int port, int recv_timeout_ms = 5000) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{recv_timeout_ms / 1000, (recv_timeout_ms % 1000) * 1000};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        m_ok = ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0; // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
    }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;
    RawSocket(RawSocket&&) = delete;
    RawSocket& operator=(RawSocket&&) = delete;
    ~RawSocket() { ::close(m_fd); }
    bool ok() const { return m_ok; }
    void send(const std::string& s) { (void)::send(m_fd, s.data(), s.size(), MSG_NOSIGNAL); }
    /// What arrives until the peer closes or the timeout passes.
    std::string receive() {
        std::string out;
        char buf[4096];
        for (;;) {
            const auto n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
            if (out.find("\r\n\r\n") != std::string::npos && out.find("Content-Length: 0") == std::string::npos &&
                out.size() > out.find("\r\n\r\n") + 4 && out.find("Connection: close") == std::string::npos) {
                break; // a whole small answer on a kept-alive connection
            }
        }
        return out;
    }
    /// What arrives until the peer closes (`closed` true) or the receive timeout passes.
    std::string receive_until_close(bool& closed) {
        std::string out;
        char buf[4096];
        for (;;) {
            const auto n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n <= 0) {
                closed = n == 0;
                return out;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    /// True when the peer has closed its side (without waiting); bytes it sent are kept in `got`.
    bool closed_now(std::string& got) {
        char buf[4096];
        for (;;) {
            const auto n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET || errno == EPIPE;
            got.append(buf, static_cast<std::size_t>(n));
        }
    }

private:
    int m_fd;
    bool m_ok = false;
};

class ServeHttp : public ::testing::Test {
protected:
    ServedFolder folder;
    std::ostringstream log;
    std::unique_ptr<Server> server;
    std::thread runner;
    int port = 0;
    std::vector<std::string> allow_hosts; ///< for start()

    void start(std::size_t workers = 2, std::size_t queue = 0,
               std::chrono::milliseconds request_time = std::chrono::seconds(30)) {
        Config c;
        c.request_time = request_time;
        c.root = folder.root();
        c.port = 0;
        c.workers = workers;
        c.queue = queue;
        c.io_timeout = std::chrono::milliseconds(500);
        c.max_body_bytes = 8u << 20;
        c.allow_hosts = allow_hosts;
        server = std::make_unique<Server>(c, &log);
        port = server->bind();
        runner = std::thread([this] { server->run(); });
        httplib::Client cli("127.0.0.1", port);
        for (int i = 0; i < 100; ++i) {
            if (auto r = cli.Get("/healthz"); r && r->status == 200) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        FAIL() << "the server did not answer /healthz";
    }
    void TearDown() override {
        if (server) server->stop();
        if (runner.joinable()) runner.join();
        server.reset();
    }
    httplib::Client client() {
        httplib::Client cli("127.0.0.1", port);
        cli.set_read_timeout(20, 0);
        cli.set_connection_timeout(5, 0);
        return cli;
    }
    std::string body_of(const std::string& name) {
        const auto bytes = rastio::test::read_file(folder.path(name));
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }
};

TEST_F(ServeHttp, RoutesAnswerWithHeadersAndImages) {
    start();
    auto cli = client();
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);

    r = cli.Get("/cog/info?url=small.tif");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    EXPECT_FALSE(r->get_header_value("ETag").empty());
    EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=3600");
    EXPECT_EQ(Json::parse(r->body)["width"], 4);

    for (const char* path : {"/cog/info.geojson?url=small.tif", "/cog/statistics?url=small.tif",
                             "/cog/WebMercatorQuad/tilejson.json?url=small.tif", "/cog/WebMercatorQuad/map.html?url=small.tif",
                             "/static/leaflet/leaflet.css"}) {
        r = cli.Get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    }

    r = cli.Get("/cog/preview.png?url=small.tif&max_size=4");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/png");
    const AnyArray px = test::decode(r->body);
    EXPECT_EQ(px.shape(), (Shape{2, 4, 4}));
    EXPECT_EQ(px.as<std::uint8_t>()(1, 0, 0), 0); // nodata -> alpha 0

    // If-None-Match with the ETag: 304, no body.
    const std::string etag = r->get_header_value("ETag");
    r = cli.Get("/cog/preview.png?url=small.tif&max_size=4", {{"If-None-Match", etag}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 304);
    EXPECT_TRUE(r->body.empty());

    // Bytes in, bytes out.
    const std::string tif = body_of("small.tif");
    r = cli.Post("/memory/info", tif, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    r = cli.Post("/memory/convert?driver=PNG", tif, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/png");
    EXPECT_EQ(test::decode(r->body).as<std::uint8_t>()(0, 3, 3), 15);
    r = cli.Post("/memory/warp?dst_crs=EPSG:4326", tif, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    r = cli.Post("/memory/preview.jpg", tif, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/jpeg");

    // One access-log line per request: method, path, status, bytes, time (read once the server
    // has stopped: the logger runs after each response is sent).
    server->stop();
    runner.join();
    EXPECT_NE(log.str().find("GET /cog/info 200 "), std::string::npos) << log.str();
    EXPECT_NE(log.str().find("POST /memory/convert 200 "), std::string::npos);
}

TEST_F(ServeHttp, TilesOverTheWire) {
    RASTIO_REQUIRE_COG(folder);
    start();
    auto cli = client();
    auto r = cli.Get("/cog/WebMercatorQuad/tilejson.json?url=cogeo.tif");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const Json tj = Json::parse(r->body);
    std::string tile = tj["tiles"][0];
    EXPECT_EQ(tile.rfind("http://127.0.0.1:" + std::to_string(port) + "/cog/tiles/WebMercatorQuad/{z}/{x}/{y}@1x?url=cogeo.tif", 0), 0u);
    // The tile under the center at minzoom.
    const int z = tj["minzoom"];
    const double lon = tj["center"][0], lat = tj["center"][1];
    const double n = std::pow(2.0, z);
    const auto x = static_cast<long long>((lon + 180.0) / 360.0 * n);
    const double lr = lat * M_PI / 180.0;
    const auto y = static_cast<long long>((1.0 - std::asinh(std::tan(lr)) / M_PI) / 2.0 * n);
    for (const char* fmt : {".png", ".jpg", ".webp", ".tif", ".npy", ""}) {
        const std::string path = "/cog/tiles/WebMercatorQuad/" + std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y) + fmt + "?url=cogeo.tif";
        r = cli.Get(path);
        ASSERT_TRUE(r) << path;
        ASSERT_EQ(r->status, 200) << path << ": " << r->body;
        EXPECT_FALSE(r->get_header_value("ETag").empty());
        if (std::string(fmt) == ".npy") continue;
        int w = 0, h = 0;
        test::decode(r->body, &w, &h);
        EXPECT_EQ(w, 256) << fmt;
        EXPECT_EQ(h, 256) << fmt;
    }
}

TEST_F(ServeHttp, HostileRequestsGet4xxAndTheServerStaysUp) {
    start();
    auto cli = client();
    const std::vector<std::string> paths = {
        "/cog/info?url=../../etc/passwd", "/cog/info?url=%2Fetc%2Fpasswd", "/cog/info?url=/vsicurl/http://127.0.0.1/x.tif",
        "/cog/info?url=/vsimem/x.tif", "/cog/info?url=link_out.tif", "/cog/info?url=a.vrt", "/cog/info?url=http://example.com/x.tif",
        "/cog/tiles/WebMercatorQuad/99999999999999999999/1/1.png?url=small.tif", "/cog/tiles/WebMercatorQuad/30/1/1.png?url=small.tif",
        "/cog/point/nan,nan?url=small.tif", "/cog/point/inf,1?url=small.tif", "/cog/point/1e999,1?url=small.tif",
        "/cog/preview.png?url=small.tif&colormap=%7B%22a", "/cog/preview.png?url=small.tif&colormap=%5B%5B1%5D%5D",
        "/cog/preview/99999x99999.png?url=small.tif", "/cog/bbox/nan,0,1,1.png?url=small.tif",
    };
    for (const auto& p : paths) {
        auto r = cli.Get(p);
        ASSERT_TRUE(r) << p;
        EXPECT_GE(r->status, 400) << p;
        EXPECT_LT(r->status, 500) << p << ": " << r->body;
        EXPECT_TRUE(Json::parse(r->body).contains("detail")) << p;
    }
    // A 1 GiB body is refused from its Content-Length, before it is read.
    {
        RawSocket s(port);
        ASSERT_TRUE(s.ok());
        s.send("POST /memory/info HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1073741824\r\n\r\nII*");
        const std::string answer = s.receive();
        EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
    }
    // Garbage instead of HTTP.
    {
        RawSocket s(port);
        s.send("\x16\x03\x01 not http at all\r\n\r\n");
        const std::string answer = s.receive();
        EXPECT_TRUE(answer.empty() || answer.rfind("HTTP/1.1 4", 0) == 0) << answer.substr(0, 100);
    }
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(ServeHttp, SlowClientIsCutOffWhileOthersAreServed) {
    start(2);
    RawSocket slow(port, 5000);
    ASSERT_TRUE(slow.ok());
    slow.send("GET /healthz HTTP/1.1\r\nHo"); // and then nothing
    auto cli = client();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    bool closed = false;
    const std::string rest = slow.receive_until_close(closed); // at most a 400, then the close
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(closed) << "the stalled connection was still open after 5 s";
    EXPECT_LT(waited, 4.5) << "the stalled connection was kept beyond the 0.5 s I/O limit";
    EXPECT_EQ(rest.find("200 OK"), std::string::npos);
}

// A client that sends a byte just inside the stall limit, again and again, passes every
// per-read limit; the whole-request limit (1 s here) must cut it off, headers or body.
void drip_until_cut(int port, const std::string& head, const std::string& drop, double& cut_after, std::string& answer) {
    RawSocket slow(port, 5000);
    ASSERT_TRUE(slow.ok());
    const auto t0 = std::chrono::steady_clock::now();
    slow.send(head);
    cut_after = -1;
    for (int i = 0; i < 40; ++i) { // 40 drops, 0.2 s apart (the stall limit is 0.5 s): 8 s at most
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        if (slow.closed_now(answer)) {
            cut_after = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            return;
        }
        slow.send(drop);
    }
}

TEST_F(ServeHttp, DrippingHeadersAreCutOffWhenTheRequestTimeIsSpent) {
    start(2, 0, std::chrono::seconds(1));
    double cut_after = 0;
    std::string answer;
    drip_until_cut(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Drip: 1\r\n", cut_after, answer);
    EXPECT_GT(cut_after, 0.9) << "cut before the request time was spent";
    EXPECT_LT(cut_after, 3.0) << "a client dripping header lines held its worker " << (cut_after < 0 ? "for 8 s" : "too long");
    EXPECT_EQ(answer.find("200 OK"), std::string::npos);
    auto cli = client();
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(ServeHttp, DrippingBodyIsCutOffWhenTheRequestTimeIsSpent) {
    start(2, 0, std::chrono::seconds(1));
    double cut_after = 0;
    std::string answer;
    drip_until_cut(port, "POST /memory/info HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", std::string(50, 'x'),
                   cut_after, answer);
    EXPECT_GT(cut_after, 0.9) << "cut before the request time was spent";
    EXPECT_LT(cut_after, 3.0) << "a client dripping its body held its worker " << (cut_after < 0 ? "for 8 s" : "too long");
    EXPECT_EQ(answer.find("200 OK"), std::string::npos);
    auto cli = client();
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(ServeHttp, AKeptAliveConnectionGetsAFreshRequestTimeForEachRequest) {
    start(2, 0, std::chrono::milliseconds(700));
    RawSocket c(port, 3000);
    ASSERT_TRUE(c.ok());
    // Two requests back to back, each sent in two halves 0.4 s apart: each arrives within its
    // own 0.7 s, the connection lives longer than 0.7 s.
    for (int i = 0; i < 2; ++i) {
        c.send("GET /healthz HTTP/1.1\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        c.send("Host: x\r\n\r\n");
        const std::string answer = c.receive();
        EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << "request " << i << ": " << answer.substr(0, 120);
    }
}

// GDAL follows redirects by itself; the server must follow them first, hop by hop, so that an
// allowed host cannot send GDAL to one that is not. The origin is a second server on loopback:
// "127.0.0.1" is allowed, "localhost" (the same machine, another name) is not.
TEST_F(ServeHttp, RedirectsAreFollowedOnlyToAllowedHosts) {
    httplib::Server origin;
    std::mutex seen_mutex;
    std::vector<std::string> seen; // the Host header of every request the origin answered
    origin.set_logger([&](const httplib::Request& req, const httplib::Response&) {
        std::lock_guard lock(seen_mutex);
        seen.push_back(req.get_header_value("Host") + " " + req.path);
    });
    ASSERT_TRUE(origin.set_mount_point("/files", folder.root()));
    const int origin_port = origin.bind_to_any_port("127.0.0.1");
    ASSERT_GT(origin_port, 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(origin_port);
    const std::string other = "http://localhost:" + std::to_string(origin_port);
    origin.Get("/to-allowed", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect(base + "/hop"); });
    origin.Get("/hop", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect(base + "/files/small.tif"); });
    origin.Get("/to-other", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect(other + "/files/small.tif"); });
    origin.Get("/to-file", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect("file:///etc/passwd"); });
    origin.Get("/loop", [&](const httplib::Request&, httplib::Response& res) { res.set_redirect(base + "/loop"); });
    std::thread origin_thread([&] { origin.listen_after_bind(); });
    allow_hosts = {"127.0.0.1"};
    start(2);
    auto cli = client();

    auto r = cli.Get("/cog/info?url=" + base + "/to-allowed");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    if (r->status == 200) {
        EXPECT_EQ(Json::parse(r->body).at("width"), 4);
    }

    r = cli.Get("/cog/info?url=" + base + "/to-other");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("redirects to host localhost, which is not allowed"), std::string::npos) << r->body;

    r = cli.Get("/cog/info?url=" + base + "/to-file");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("not http(s)"), std::string::npos) << r->body;

    r = cli.Get("/cog/info?url=" + base + "/loop");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
    EXPECT_NE(r->body.find("more than 5 redirects"), std::string::npos) << r->body;

    // The tiles of the allowed chain come from the end of it; the other host was never asked.
    r = cli.Get("/cog/tiles/WebMercatorQuad/0/0/0.png?url=" + base + "/to-allowed");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->status == 200 || r->status == 404) << r->status << " " << r->body;
    origin.stop();
    origin_thread.join();
    std::lock_guard lock(seen_mutex);
    EXPECT_FALSE(seen.empty());
    for (const auto& s : seen) EXPECT_NE(s.rfind("localhost", 0), 0u) << "the origin was asked as " << s;
}

TEST_F(ServeHttp, FullQueueAnswers503) {
    start(1, 1);
    RawSocket busy(port); // idle: holds the only worker until its keep-alive wait ends
    ASSERT_TRUE(busy.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::vector<std::unique_ptr<RawSocket>> others;
    for (int i = 0; i < 3; ++i) {
        others.push_back(std::make_unique<RawSocket>(port));
        others.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    int busy_answers = 0;
    for (auto& s : others) {
        const std::string answer = s->receive();
        if (answer.rfind("HTTP/1.1 503", 0) == 0) {
            ++busy_answers;
            EXPECT_NE(answer.find("Retry-After"), std::string::npos);
            EXPECT_NE(answer.find("server busy"), std::string::npos);
        } else {
            EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer.substr(0, 200); // queued, then served
        }
    }
    EXPECT_GE(busy_answers, 1);
    // Once the idle connection times out, the worker serves again.
    auto cli = client();
    auto r = cli.Get("/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST_F(ServeHttp, StopLetsTheRequestInFlightFinish) {
    RASTIO_REQUIRE_COG(folder);
    start(2);
    int status = 0;
    std::size_t size = 0;
    std::thread request([&] {
        auto cli = client();
        if (auto r = cli.Get("/cog/preview/1024x1024.png?url=cogeo.tif")) {
            status = r->status;
            size = r->body.size();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server->stop();
    runner.join();
    request.join();
    EXPECT_EQ(status, 200);
    EXPECT_GT(size, 1000u);
    // And nothing listens any more.
    httplib::Client cli("127.0.0.1", port);
    cli.set_connection_timeout(1, 0);
    EXPECT_FALSE(cli.Get("/healthz"));
}

} // namespace
} // namespace rastio::serve
