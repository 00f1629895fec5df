// Affine: rasterio's meaning of a..f, GDAL's order, composition and inverse (checked against the
// `affine` package rasterio uses, when /usr/bin/python3 has it).

#include <cstdio>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "gdal_cli.hpp"
#include "test_support.hpp"

using rastio::Affine;

TEST(AffineTest, AppliesXEqualsAColPlusBRowPlusC) {
    const Affine t{2, 3, 100, 5, 7, 200};
    EXPECT_EQ(t.apply(0, 0), std::make_pair(100.0, 200.0));
    EXPECT_EQ(t.apply(1, 0), std::make_pair(102.0, 205.0));
    EXPECT_EQ(t.apply(0, 1), std::make_pair(103.0, 207.0));
    EXPECT_EQ(t * std::make_pair(2.0, 3.0), std::make_pair(100.0 + 4 + 9, 200.0 + 10 + 21));
}

TEST(AffineTest, GdalOrderRoundTrips) {
    const std::array<double, 6> gt{101985.0, 30.0, 0.5, 2826915.0, -0.25, -30.0};
    const Affine t = Affine::from_gdal(gt);
    EXPECT_EQ(t, (Affine{30.0, 0.5, 101985.0, -0.25, -30.0, 2826915.0}));
    EXPECT_EQ(t.to_gdal(), gt);
    EXPECT_EQ(t.to_array(), (std::array<double, 6>{30.0, 0.5, 101985.0, -0.25, -30.0, 2826915.0}));
}

TEST(AffineTest, ConstructorsMatchRasterio) {
    EXPECT_TRUE(Affine::identity().is_identity());
    EXPECT_EQ(Affine::translation(3, 4), (Affine{1, 0, 3, 0, 1, 4}));
    EXPECT_EQ(Affine::scale(2, 5), (Affine{2, 0, 0, 0, 5, 0}));
    EXPECT_EQ(Affine::scale(2), (Affine{2, 0, 0, 0, 2, 0}));
    EXPECT_EQ(Affine::from_origin(101985.0, 2826915.0, 300, 200), (Affine{300, 0, 101985.0, 0, -200, 2826915.0}));
    EXPECT_FALSE(Affine::scale(2).is_identity());
}

TEST(AffineTest, CompositionAppliesRightHandSideFirst) {
    const Affine t = Affine::translation(1, 2) * Affine::scale(3, 4);
    EXPECT_EQ(t, (Affine{3, 0, 1, 0, 4, 2}));
    EXPECT_EQ(t.apply(1, 1), std::make_pair(4.0, 6.0));
    const Affine u = Affine::scale(3, 4) * Affine::translation(1, 2);
    EXPECT_EQ(u, (Affine{3, 0, 3, 0, 4, 8}));
    EXPECT_EQ(Affine::identity() * t, t);
    EXPECT_EQ(t * Affine::identity(), t);
}

TEST(AffineTest, InverseUndoesTheTransform) {
    const Affine t{0.5, 0.1, 100, -0.2, -0.25, 50};
    const Affine inv = t.inverse();
    EXPECT_TRUE((t * inv).almost_equals(Affine::identity(), 1e-12));
    EXPECT_TRUE((inv * t).almost_equals(Affine::identity(), 1e-12));
    const auto [x, y] = t.apply(12.5, 7.25);
    const auto [c, r] = inv.apply(x, y);
    EXPECT_NEAR(c, 12.5, 1e-9);
    EXPECT_NEAR(r, 7.25, 1e-9);
    EXPECT_DOUBLE_EQ(t.determinant(), 0.5 * -0.25 - 0.1 * -0.2);
}

TEST(AffineTest, DegenerateInverseThrowsArgumentError) {
    EXPECT_THROW((void)Affine::scale(0, 1).inverse(), rastio::ArgumentError);
    EXPECT_THROW((void)(Affine{1, 2, 0, 2, 4, 0}).inverse(), rastio::ArgumentError);
}

TEST(AffineTest, ToStringKeepsFullPrecision) {
    EXPECT_EQ(Affine::from_origin(101985.0, 2826915.0, 30, 30).to_string(),
              "Affine(30, 0, 101985, 0, -30, 2826915)");
    EXPECT_EQ((Affine{0.1, 0, 0, 0, 1, 0}).to_string().find("0.10000000000000001"), 7u);
}

TEST(AffineTest, AgreesWithThePythonAffinePackage) {
    if (std::system("/usr/bin/python3 -c 'import affine' > /dev/null 2>&1") != 0) {
        GTEST_SKIP() << "skipped: /usr/bin/python3 has no `affine` package (Debian python3-affine)";
    }
    const std::string out = rastio::test::run_command(
        "/usr/bin/python3 -c 'from affine import Affine as A\n"
        "t = A(0.5, 0.1, 100, -0.2, -0.25, 50)\n"
        "for m in (~t, t * A.translation(3, -4) * A.scale(2, 0.5), A.from_gdal(*t.to_gdal())):\n"
        "    print(*[repr(v) for v in tuple(m)[:6]])\n"
        "print(*[repr(v) for v in t * (12.5, 7.25)])'");
    std::istringstream in(out);
    const Affine t{0.5, 0.1, 100, -0.2, -0.25, 50};
    const std::array<Affine, 3> ours{t.inverse(), t * Affine::translation(3, -4) * Affine::scale(2, 0.5),
                                     Affine::from_gdal(t.to_gdal())};
    for (const Affine& mine : ours) {
        std::array<double, 6> theirs{};
        for (auto& v : theirs) in >> v;
        ASSERT_TRUE(in) << out;
        EXPECT_TRUE(mine.almost_equals(Affine{theirs[0], theirs[1], theirs[2], theirs[3], theirs[4], theirs[5]}, 1e-12))
            << mine.to_string() << " vs " << out;
    }
    double x = 0, y = 0;
    in >> x >> y;
    EXPECT_DOUBLE_EQ(t.apply(12.5, 7.25).first, x);
    EXPECT_DOUBLE_EQ(t.apply(12.5, 7.25).second, y);
}
