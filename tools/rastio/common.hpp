#pragma once
// Shared pieces of the rastio tool: failures with exit codes, inputs from a path or stdin,
// Python-compatible JSON text (what `rio` prints), and rio's rules for CRS text and geometry.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <cpl_error.h>
#include <nlohmann/json.hpp>

#include <rastio/rastio.hpp>

namespace rastio_cli {

using Json = nlohmann::ordered_json;

/// Exit statuses: 1 for bad input (a file, its bytes, a write), 2 for bad usage.
inline constexpr int exit_input = 1;
inline constexpr int exit_usage = 2;

/// What main() prints as `rastio: error: <what> (<path>)` before exiting with `code`.
class Failure : public std::runtime_error {
public:
    Failure(const std::string& what, std::string path, int code = exit_input)
        : std::runtime_error(what), m_path(std::move(path)), m_code(code) {}
    const std::string& path() const noexcept { return m_path; }
    int code() const noexcept { return m_code; }

private:
    std::string m_path;
    int m_code;
};

/// -q/--quiet: warnings are not printed (errors still are).
void set_quiet(bool quiet) noexcept;
bool quiet() noexcept;

/// Prints `rastio: warning: <message> (<path>)` on stderr, one line, unless quiet; in-memory
/// paths (stdin's bytes, an output being made) appear as the user named them (see show_as).
void print_warning(const std::string& message, const std::string& path);

/// From now on, messages show `label` wherever GDAL says `memory_path`.
void show_as(const std::string& memory_path, const std::string& label);
/// `text` with every in-memory path given to show_as() replaced by its label.
std::string as_shown(std::string text);

/// While alive, GDAL's warnings raised on this thread by the tool's own GDAL calls are printed
/// (print_warning, each once, naming `label`); errors are left for CPLGetLastErrorMsg().
class PrintGdalWarnings {
public:
    explicit PrintGdalWarnings(std::string label);
    PrintGdalWarnings(const PrintGdalWarnings&) = delete;
    PrintGdalWarnings& operator=(const PrintGdalWarnings&) = delete;
    PrintGdalWarnings(PrintGdalWarnings&&) = delete;
    PrintGdalWarnings& operator=(PrintGdalWarnings&&) = delete;
    /// Says how many were not shown, if any.
    ~PrintGdalWarnings();

private:
    /// Lines printed at most: a damaged file can make GDAL warn once per block.
    static constexpr std::size_t k_max_lines = 100;
    static void CPL_STDCALL handler(CPLErr cls, CPLErrorNum no, const char* msg);
    std::string m_label;
    std::vector<std::string> m_printed;
    std::size_t m_not_shown = 0;
    CPLErrorHandlerPusher m_pusher; // last: pushed once the members above exist
};

/// A dataset opened from a path, or from stdin's bytes adopted by a MemoryFile ("-").
/// Owns both; the dataset closes before the MemoryFile.
struct Input {
    std::string label;           ///< what the user typed: a path or "-"
    rastio::MemoryFile memory;   ///< holds stdin's bytes when label is "-" (else closed)
    rastio::Dataset dataset;
    Input() = default;
    Input(const Input&) = delete;
    Input& operator=(const Input&) = delete;
    Input(Input&&) = default;
    Input& operator=(Input&&) = default;
    ~Input() = default;
    /// The name rio uses for ids and titles: the path's last component, "<stdin>" for "-".
    std::string display_name() const;
};

/// Opens `path` for reading ("-" reads all of stdin into memory first, no temp file).
/// Throws Failure (exit 1) when it cannot be opened.
Input open_input(const std::string& path);

/// Reads all of stdin; throws Failure when stdin is a terminal or fails.
std::vector<std::byte> read_stdin();

/// `value` as Python's repr(float) writes it: "1.0", "0.0001", "1e-05", "NaN", "-Infinity".
std::string py_float(double value);

/// JSON text as Python's json.dumps writes it: ", " and ": " separators on one line, or
/// `indent` spaces per level; NaN and Infinity as Python writes them; non-ASCII as \uXXXX.
/// `compact`: separators (',', ':').
std::string py_dumps(const Json& value, std::optional<int> indent = {}, bool sort_keys = false, bool compact = false);

/// `value` as Python's str() writes it (for rio's single-value output): None, 3, 0.0, text.
std::string py_str(const Json& value);

/// rio's CRS text: "EPSG:n" when an EPSG code matches, else another authority ("ESRI:102039"),
/// else WKT; null when the CRS is empty.
Json rio_crs(const rastio::CRS& crs);

/// rasterio's bounds rule (min/max of the corners when rotated), from a GDAL geotransform.
rastio::Bounds rio_bounds(const std::array<double, 6>& gt, int width, int height);

/// The dataset's geotransform, or the identity when it has none.
std::array<double, 6> geotransform(const rastio::Dataset& ds);

/// Transforms points from `crs` to longitude/latitude (EPSG:4326, x = longitude) in place.
/// Throws Failure when PROJ cannot.
void to_lnglat(const rastio::CRS& crs, std::vector<double>& xs, std::vector<double>& ys, const std::string& label);

/// Transforms bounds to longitude/latitude, densifying the edges (21 points) as rasterio does.
rastio::Bounds bounds_to_lnglat(const rastio::CRS& crs, const rastio::Bounds& b, const std::string& label);

/// Writes `text` to stdout; throws Failure when stdout fails (a closed pipe, a full disk).
void write_stdout(const std::string& text);

/// The GDAL short name of the output driver: `driver` when given (checked: a raster driver that
/// writes), else the first one writing DST's extension. Throws Failure (exit 2) otherwise.
std::string output_driver(const std::string& driver, const std::string& dst);

/// Refuses (exit 2) a --co that is not KEY=VALUE, or whose value `driver`'s own option list rejects.
void check_creation_values(const std::string& driver, const std::vector<std::string>& creation_options,
                           const std::string& dst);

/// Refuses an existing DST without `overwrite` (exit 1), and DST being SRC (exit 2).
void check_output(const std::string& src, const std::string& dst, bool overwrite);

/// A profile read from a dataset made fit for rasterio's writer (as merge does): a striped file keeps
/// BLOCKYSIZE and drops BLOCKXSIZE; tiles keep their sizes only as a pair of multiples of 16, else
/// the output is striped.
void writer_block_layout(rastio::Profile& profile);

/// The name an output MemoryFile takes: DST's file name (so sidecars are named after it).
std::string output_filename(const std::string& dst);

/// Sends a finished output MemoryFile to DST: to stdout for "-" (sidecars warned about unless
/// `quiet`), else every file to a temp name beside DST, renamed into place with DST last, so a
/// failure never leaves a partial DST. Borrows `out`.
void write_output(const rastio::MemoryFile& out, const std::string& dst, const std::string& driver, bool quiet);

/// rio's --bounds text: "left bottom right top" or "[left, bottom, right, top]" (commas or
/// spaces); throws Failure (exit 2) naming `option` otherwise.
rastio::Bounds parse_rio_bounds(const std::string& text, const std::string& option = "--bounds");

/// rio's --nodata text: a number, nan, or none/null/nil/nada for no value; throws Failure (exit 2).
std::optional<double> parse_rio_nodata(const std::string& text, const std::string& label);

/// Python's round(value, ndigits) (correctly rounded, halves to even on the exact decimal value).
double py_round(double value, int ndigits);


/// Writes `text` to the file DST through a temp name beside it renamed into place (no partial DST).
void write_text_output(const std::string& text, const std::string& dst);

/// GDAL's terminal progress on stderr, shown only once an operation has run half a second.
struct Progress {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    bool shown = false;
    /// A GDALProgressFunc; `arg` is a Progress*.
    static int callback(double done, const char* msg, void* arg);
    /// Whether a progress bar may be shown: not `quiet`, and stderr is a terminal.
    static bool wanted(bool quiet);
};

/// Adds the subcommands; each one's callback throws Failure.
void add_info(CLI::App& app);
void add_convert(CLI::App& app);
void add_blocks(CLI::App& app);
void add_bounds(CLI::App& app);
void add_env(CLI::App& app);
void add_warp(CLI::App& app);
/// `rastio serve` (only when built with rastio_serve).
void add_serve(CLI::App& app);
void add_sample(CLI::App& app);
void add_overview(CLI::App& app);
void add_edit_info(CLI::App& app);
void add_merge(CLI::App& app);
void add_stack(CLI::App& app);
void add_rasterize(CLI::App& app);
void add_mask(CLI::App& app);
void add_clip(CLI::App& app);
void add_shapes(CLI::App& app);

} // namespace rastio_cli
