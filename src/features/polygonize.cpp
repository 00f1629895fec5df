// rastio's polygonizer, reproducing GDAL 3.6's GDALPolygonize / GDALFPolygonize output exactly.
//
// What GDAL 3.6 does (learnt from Debian's gdal 3.6.2 source, alg/polygonize.cpp and
// alg/gdalrasterpolygonenumerator.cpp, and checked against libgdal 3.6.2 by
// tests/polygonize_test.cpp):
// - A first pass numbers the regions row by row: a pixel takes the id of its left neighbour when
//   equal, else of the pixel above, else (8-connected) above-left or above-right, else a new id;
//   ids that meet are merged (the root of the destination wins). Masked pixels (and pixels that
//   hold the marker value) get no id. The final id of a region is the root of its merge chain, and
//   its value is that of the pixel that opened the root id.
// - A second pass numbers the rows again and, for each pixel of the rows padded with "no region",
//   adds the edge above it, then the edge to its right, when the region differs across it: a unit
//   segment running right or down, given to the region on each side (the one below or left of it
//   is "inside").
// - A polygon keeps "strings" (open chains of corners). A segment whose start is a string's end
//   extends that string (of two such strings, the second when its last segment runs across the new
//   one); the end point moves instead when the string keeps going straight. Otherwise it starts a
//   new string. For the inside polygon, a string that ends where the extended one now ends is
//   then joined to it, reversed.
// - Every 8 rows, polygons whose last added segment lies more than one row above the current row
//   are complete: in increasing final id, each is coalesced (each string, in the order of creation,
//   repeatedly takes in a string that starts, else ends, where it ends) and written, its remaining
//   strings in order of creation being the rings. After the last row the others follow, by id.
// Here the strings' end and start points are found through small hash tables per polygon instead
// of std::map, the polygons' storage is reused, and rows are mapped to final ids once.
#include "polygonize.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

namespace rastio::detail {

bool gdal_float_equals(float a, float b) noexcept {
    std::int32_t ai = 0;
    std::int32_t bi = 0;
    std::memcpy(&ai, &a, sizeof ai);
    std::memcpy(&bi, &b, sizeof bi);
    // Lexicographically ordered as two's complement integers, as GDAL does.
    if (ai < 0) ai = static_cast<std::int32_t>(static_cast<std::int64_t>(INT_MIN) - ai);
    if (bi < 0) bi = static_cast<std::int32_t>(static_cast<std::int64_t>(INT_MIN) - bi);
    // GDAL takes the 64-bit difference down to an int (it wraps), then abs(): abs(INT_MIN) stays
    // INT_MIN in libgdal 3.6.2, so a difference of exactly 2^31 counts as equal (1.0f == -4.0f).
    const auto wrapped = static_cast<std::int32_t>(
        static_cast<std::uint32_t>(static_cast<std::int64_t>(ai) - static_cast<std::int64_t>(bi)));
    return wrapped == INT_MIN || (wrapped >= -10 && wrapped <= 10);
}

namespace {

struct IntEqual {
    bool operator()(std::int32_t a, std::int32_t b) const noexcept { return a == b; }
};
struct FloatEqual {
    bool operator()(float a, float b) const noexcept { return gdal_float_equals(a, b); }
};

/// Thrown inside a pass when the band is beyond what this reproduces; polygonize() returns false.
struct Unsupported {};

/// The region numbering of GDAL's enumerator. With Merge, ids that meet are merged and every id's
/// value is kept; without, only the ids are handed out (the second pass: its ids are the first
/// pass's, which never depend on the merges).
template <class T, class Eq>
class Enumerator {
public:
    explicit Enumerator(bool eight) noexcept : m_eight(eight) {}

    std::vector<std::int32_t> map;
    std::vector<T> values;
    std::int32_t count = 0;

    template <bool Merge>
    void process_line(const T* last, const T* cur, const std::int32_t* last_id, std::int32_t* cur_id, int n) {
        const Eq eq;
        const T marker = static_cast<T>(polygonize_nodata_marker);
        if (last == nullptr) {
            for (int i = 0; i < n; ++i) {
                if (cur[i] == marker) {
                    cur_id[i] = -1;
                } else if (i == 0 || !eq(cur[i], cur[i - 1])) {
                    cur_id[i] = open<Merge>(cur[i]);
                } else {
                    cur_id[i] = cur_id[i - 1];
                }
            }
            return;
        }
        for (int i = 0; i < n; ++i) {
            const T v = cur[i];
            if (v == marker) {
                cur_id[i] = -1;
            } else if (i > 0 && eq(v, cur[i - 1])) {
                cur_id[i] = cur_id[i - 1];
                if constexpr (Merge) {
                    if (eq(last[i], v) && map[idx(last_id[i])] != map[idx(cur_id[i])]) merge(last_id[i], cur_id[i]);
                    if (m_eight && eq(last[i - 1], v) && map[idx(last_id[i - 1])] != map[idx(cur_id[i])]) {
                        merge(last_id[i - 1], cur_id[i]);
                    }
                    if (m_eight && i < n - 1 && eq(last[i + 1], v) && map[idx(last_id[i + 1])] != map[idx(cur_id[i])]) {
                        merge(last_id[i + 1], cur_id[i]);
                    }
                }
            } else if (eq(last[i], v)) {
                cur_id[i] = last_id[i];
            } else if (i > 0 && m_eight && eq(last[i - 1], v)) {
                cur_id[i] = last_id[i - 1];
                if constexpr (Merge) {
                    if (i < n - 1 && eq(last[i + 1], v) && map[idx(last_id[i + 1])] != map[idx(cur_id[i])]) {
                        merge(last_id[i + 1], cur_id[i]);
                    }
                }
            } else if (i < n - 1 && m_eight && eq(last[i + 1], v)) {
                cur_id[i] = last_id[i + 1];
            } else {
                cur_id[i] = open<Merge>(v);
            }
        }
    }

    /// Points every id at its root (GDAL's CompleteMerges).
    void complete_merges() {
        for (std::size_t i = 0; i < map.size(); ++i) {
            std::int32_t root = map[i];
            while (root != map[idx(root)]) root = map[idx(root)];
            std::int32_t cur = map[i];
            map[i] = root;
            while (cur != map[idx(cur)]) {
                const std::int32_t next = map[idx(cur)];
                map[idx(cur)] = root;
                cur = next;
            }
        }
    }

private:
    static std::size_t idx(std::int32_t id) noexcept { return static_cast<std::size_t>(id); }

    template <bool Merge>
    std::int32_t open(T v) {
        if (count == std::numeric_limits<std::int32_t>::max()) throw Unsupported{};
        const std::int32_t id = count++;
        if constexpr (Merge) {
            map.push_back(id);
            values.push_back(v);
        }
        return id;
    }

    /// GDAL's MergePolygon: src's chain and dst's chain both point at dst's root.
    void merge(std::int32_t src, std::int32_t dst) {
        std::int32_t root = dst;
        while (map[idx(root)] != root) root = map[idx(root)];
        std::int32_t cur = dst;
        while (map[idx(cur)] != cur) {
            const std::int32_t next = map[idx(cur)];
            map[idx(cur)] = root;
            cur = next;
        }
        while (map[idx(src)] != src) {
            const std::int32_t next = map[idx(src)];
            map[idx(src)] = root;
            src = next;
        }
        map[idx(src)] = root;
    }

    bool m_eight;
};

std::uint64_t key_of(GridPoint p) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(p.x)) << 32) | static_cast<std::uint32_t>(p.y);
}

/// The strings ending (or starting) at each corner: at most two per corner, the first inserted
/// first, as GDAL's map of pairs. Open addressing with linear probing and backward-shift deletion.
class Extremities {
public:
    /// The first string at `p`, or -1.
    std::int32_t first(GridPoint p) const noexcept {
        const Slot* s = find(key_of(p));
        return s ? s->first : -1;
    }

    /// A string at `p` other than `excluded` (GDAL's findExtremityNot), or -1.
    std::int32_t other_than(GridPoint p, std::int32_t excluded) const noexcept {
        const Slot* s = find(key_of(p));
        if (!s) return -1;
        if (s->first != excluded) return s->first;
        if (s->second != excluded) return s->second;
        return -1;
    }

    void insert(GridPoint p, std::int32_t id) {
        if ((m_count + 1) * 2 > m_slots.size()) grow();
        const std::uint64_t key = key_of(p);
        std::size_t i = home(key);
        while (m_slots[i].key != empty_key) {
            if (m_slots[i].key == key) {
                m_slots[i].second = id; // GDAL overwrites a second string too (it asserts none is there)
                return;
            }
            i = (i + 1) & m_mask;
        }
        m_slots[i] = Slot{key, id, -1};
        ++m_count;
    }

    void remove(GridPoint p, std::int32_t id) noexcept {
        Slot* s = find(key_of(p));
        if (!s) return; // GDAL asserts this never happens
        if (s->first == id) {
            s->first = s->second;
            s->second = -1;
            if (s->first < 0) erase(static_cast<std::size_t>(s - m_slots.data()));
        } else if (s->second == id) {
            s->second = -1;
        }
    }

    void clear() noexcept {
        if (m_count == 0) return;
        for (Slot& s : m_slots) s.key = empty_key;
        m_count = 0;
    }

private:
    static constexpr std::uint64_t empty_key = ~std::uint64_t{0}; // x = -1 is never a corner
    struct Slot {
        std::uint64_t key;
        std::int32_t first;
        std::int32_t second;
    };

    std::size_t home(std::uint64_t key) const noexcept {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> m_shift);
    }

    const Slot* find(std::uint64_t key) const noexcept {
        if (m_slots.empty()) return nullptr;
        std::size_t i = home(key);
        while (true) {
            const Slot& s = m_slots[i];
            if (s.key == key) return &s;
            if (s.key == empty_key) return nullptr;
            i = (i + 1) & m_mask;
        }
    }
    Slot* find(std::uint64_t key) noexcept { return const_cast<Slot*>(std::as_const(*this).find(key)); } // NOLINT(cppcoreguidelines-pro-type-const-cast): the const lookup, on a non-const table

    void erase(std::size_t i) noexcept {
        std::size_t j = i;
        while (true) {
            j = (j + 1) & m_mask;
            if (m_slots[j].key == empty_key) break;
            const std::size_t k = home(m_slots[j].key);
            // Move j back to i unless its home lies cyclically in (i, j].
            const bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
            if (!stays) {
                m_slots[i] = m_slots[j];
                i = j;
            }
        }
        m_slots[i].key = empty_key;
        --m_count;
    }

    void grow() {
        const std::size_t size = m_slots.empty() ? 16 : m_slots.size() * 2;
        std::vector<Slot> old(size, Slot{empty_key, -1, -1});
        old.swap(m_slots);
        m_mask = size - 1;
        m_shift = 64 - static_cast<unsigned>(std::countr_zero(size));
        m_count = 0;
        for (const Slot& s : old) {
            if (s.key == empty_key) continue;
            std::size_t i = home(s.key);
            while (m_slots[i].key != empty_key) i = (i + 1) & m_mask;
            m_slots[i] = s;
            ++m_count;
        }
    }

    std::vector<Slot> m_slots;
    std::size_t m_count = 0;
    std::size_t m_mask = 0;
    unsigned m_shift = 64;
};

/// A polygon being built (GDAL's RPolygon). Reused once written: its vectors keep their storage.
template <class T>
struct Poly {
    T value{};
    std::int32_t last_line = -1;
    std::int32_t strings_used = 0;
    std::vector<std::vector<GridPoint>> strings; // by string id; an empty one was merged away
    Extremities starts;
    Extremities ends;

    void reset(T v) {
        value = v;
        last_line = -1;
        for (std::int32_t i = 0; i < strings_used; ++i) strings[static_cast<std::size_t>(i)].clear();
        strings_used = 0;
        starts.clear();
        ends.clear();
    }

    std::vector<GridPoint>& string(std::int32_t id) { return strings[static_cast<std::size_t>(id)]; }

    /// GDAL 3.6's AddSegment: the segment a -> b (left to right, or downwards). `inside` is true
    /// for the polygon on the segment's lower or left side (GDAL's direction 1).
    void add_segment(GridPoint a, GridPoint b, bool inside) {
        last_line = std::max(a.y, b.y);
        std::int32_t s = ends.first(a);
        if (s >= 0) {
            // Two strings end at `a`: take the second when it turns here (its last segment runs
            // across this one), as GDAL does.
            const std::int32_t s2 = ends.other_than(a, s);
            if (s2 >= 0) {
                const auto& str2 = string(s2);
                const std::size_t n2 = str2.size();
                const bool across = a.x == b.x ? str2[n2 - 2].y == str2[n2 - 1].y : str2[n2 - 2].x == str2[n2 - 1].x;
                if (across) s = s2;
            }
            auto& str = string(s);
            const std::size_t n = str.size();
            const GridPoint before = str[n - 2];
            const GridPoint end = str[n - 1];
            const int last_len = std::max(std::abs(before.x - end.x), std::abs(before.y - end.y));
            ends.remove(end, s);
            if (before.x - end.x == (end.x - b.x) * last_len && before.y - end.y == (end.y - b.y) * last_len) {
                str[n - 1] = b; // keeps going straight: the end moves
            } else {
                str.push_back(b);
            }
            ends.insert(str.back(), s);
        } else {
            s = strings_used++;
            if (strings.size() < static_cast<std::size_t>(strings_used)) strings.resize(static_cast<std::size_t>(strings_used));
            auto& str = string(s);
            str.push_back(a);
            str.push_back(b);
            starts.insert(a, s);
            ends.insert(b, s);
        }
        if (inside) {
            // Another string ending where this one now ends is joined to it, reversed.
            const std::int32_t other = ends.other_than(b, s);
            if (other >= 0) merge(s, other, -1);
        }
    }

    /// GDAL's Merge: string `src` appended to `base`, forwards (1) or backwards (-1).
    void merge(std::int32_t base, std::int32_t src, int direction) {
        auto& into = string(base);
        auto& from = string(src);
        ends.remove(into.back(), base);
        if (direction == 1) {
            into.insert(into.end(), from.begin() + 1, from.end());
        } else {
            into.insert(into.end(), from.rbegin() + 1, from.rend());
        }
        starts.remove(from.front(), src);
        ends.remove(from.back(), src);
        from.clear();
        ends.insert(into.back(), base);
    }

    /// GDAL's Coalesce: the strings joined into rings.
    void coalesce() {
        for (std::int32_t id = 0; id < strings_used; ++id) {
            auto& str = string(id);
            if (str.empty()) continue;
            while (true) {
                std::int32_t other = starts.other_than(str.back(), id);
                if (other != -1) {
                    merge(id, other, 1);
                    continue;
                }
                other = ends.other_than(str.back(), id);
                if (other != -1) {
                    merge(id, other, -1);
                    continue;
                }
                break;
            }
        }
    }
};

template <class T, class Eq>
bool run(int width, int height, int connectivity, const PolygonRowReader<T>& read_row, const PolygonSink<T>& sink) {
    const bool eight = connectivity == 8;
    const auto w = static_cast<std::size_t>(width);
    std::vector<T> last_val(w);
    std::vector<T> cur_val(w);
    std::vector<std::int32_t> last_id(w);
    std::vector<std::int32_t> cur_id(w);

    // First pass: the region ids and their merges.
    Enumerator<T, Eq> first(eight);
    try {
        for (int y = 0; y < height; ++y) {
            read_row(y, cur_val.data());
            if constexpr (std::is_same_v<T, float>) {
                // GDAL indexes its id map at -1 when such a pixel meets a masked one: not reproducible.
                const auto marker = static_cast<float>(polygonize_nodata_marker);
                for (const float v : cur_val) {
                    if (v != marker && gdal_float_equals(v, marker)) throw Unsupported{};
                }
            }
            first.template process_line<true>(y == 0 ? nullptr : last_val.data(), cur_val.data(), last_id.data(),
                                              cur_id.data(), width);
            std::swap(last_val, cur_val);
            std::swap(last_id, cur_id);
        }
    } catch (const Unsupported&) {
        return false;
    }
    first.complete_merges();
    const std::vector<std::int32_t>& root = first.map;

    // Second pass: edges into polygons, rows of final ids padded with -1 on both sides.
    Enumerator<T, Eq> second(eight);
    std::vector<std::int32_t> last_final(w + 2, -1);
    std::vector<std::int32_t> cur_final(w + 2, -1);
    std::vector<std::int32_t> slot_of(root.size(), -1); // final id -> index in pool
    std::vector<Poly<T>> pool;
    std::vector<std::int32_t> free_slots;
    std::vector<std::int32_t> active; // final ids with a polygon
    std::vector<std::int32_t> done;
    std::vector<const std::vector<GridPoint>*> rings;

    auto poly_of = [&](std::int32_t id) -> Poly<T>& {
        std::int32_t& slot = slot_of[static_cast<std::size_t>(id)];
        if (slot < 0) {
            if (free_slots.empty()) {
                slot = static_cast<std::int32_t>(pool.size());
                pool.emplace_back();
            } else {
                slot = free_slots.back();
                free_slots.pop_back();
            }
            pool[static_cast<std::size_t>(slot)].reset(first.values[static_cast<std::size_t>(id)]);
            active.push_back(id);
        }
        return pool[static_cast<std::size_t>(slot)];
    };
    auto write = [&](std::int32_t id) {
        std::int32_t& slot = slot_of[static_cast<std::size_t>(id)];
        Poly<T>& p = pool[static_cast<std::size_t>(slot)];
        p.coalesce();
        rings.clear();
        for (std::int32_t s = 0; s < p.strings_used; ++s) {
            const auto& str = p.string(s);
            if (!str.empty()) rings.push_back(&str);
        }
        free_slots.push_back(slot);
        slot = -1;
        sink(p.value, std::span<const std::vector<GridPoint>* const>(rings.data(), rings.size()));
    };

    for (int y = 0; y <= height; ++y) {
        if (y < height) {
            read_row(y, cur_val.data());
            second.template process_line<false>(y == 0 ? nullptr : last_val.data(), cur_val.data(), last_id.data(),
                                                cur_id.data(), width);
            for (std::size_t x = 0; x < w; ++x) {
                const std::int32_t id = cur_id[x];
                cur_final[x + 1] = id < 0 ? -1 : root[static_cast<std::size_t>(id)];
            }
        } else {
            std::fill(cur_final.begin(), cur_final.end(), -1);
        }
        // GDAL's AddEdges for x = 0..width of the padded rows.
        for (std::size_t x = 0; x <= w; ++x) {
            const std::int32_t here = cur_final[x];
            const std::int32_t right = cur_final[x + 1];
            const std::int32_t above = last_final[x];
            const auto xr = static_cast<std::int32_t>(x) - 1;
            if (here != above) {
                if (here != -1) poly_of(here).add_segment({xr, y}, {xr + 1, y}, true);
                if (above != -1) poly_of(above).add_segment({xr, y}, {xr + 1, y}, false);
            }
            if (here != right) {
                if (here != -1) poly_of(here).add_segment({xr + 1, y}, {xr + 1, y + 1}, true);
                if (right != -1) poly_of(right).add_segment({xr + 1, y}, {xr + 1, y + 1}, false);
            }
        }
        // Every 8 rows: the polygons not touched since two rows ago, by id (GDAL scans ids below the
        // second pass's count; a complete polygon's root id is always below it).
        if (y % 8 == 7) {
            done.clear();
            std::size_t keep = 0;
            for (const std::int32_t id : active) {
                const Poly<T>& p = pool[static_cast<std::size_t>(slot_of[static_cast<std::size_t>(id)])];
                if (p.last_line < y - 1 && id < second.count) {
                    done.push_back(id);
                } else {
                    active[keep++] = id;
                }
            }
            active.resize(keep);
            std::sort(done.begin(), done.end());
            for (const std::int32_t id : done) write(id);
        }
        if (y < height) {
            std::swap(last_val, cur_val);
            std::swap(last_id, cur_id);
        }
        std::swap(last_final, cur_final);
    }
    std::sort(active.begin(), active.end());
    for (const std::int32_t id : active) write(id);
    return true;
}

} // namespace

bool polygonize(int width, int height, int connectivity, const PolygonRowReader<std::int32_t>& read_row,
                const PolygonSink<std::int32_t>& sink) {
    return run<std::int32_t, IntEqual>(width, height, connectivity, read_row, sink);
}

bool polygonize(int width, int height, int connectivity, const PolygonRowReader<float>& read_row,
                const PolygonSink<float>& sink) {
    return run<float, FloatEqual>(width, height, connectivity, read_row, sink);
}

} // namespace rastio::detail
