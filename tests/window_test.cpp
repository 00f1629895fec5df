// Windows: rasterio's order, validity, containment, intersection.

#include <gtest/gtest.h>

#include "test_support.hpp"

using rastio::Window;

TEST(WindowTest, FieldsAreInRasteriosOrder) {
    const Window w(1, 2, 3, 4);
    EXPECT_EQ(w.col_off, 1);
    EXPECT_EQ(w.row_off, 2);
    EXPECT_EQ(w.width, 3);
    EXPECT_EQ(w.height, 4);
    EXPECT_EQ(w.area(), 12);
    EXPECT_EQ(w.to_string(), "Window(col_off=1, row_off=2, width=3, height=4)");
    EXPECT_EQ(Window::full(5, 6), Window(0, 0, 5, 6));
}

TEST(WindowTest, ValidityNeedsPositiveSize) {
    EXPECT_TRUE(Window(0, 0, 1, 1).is_valid());
    EXPECT_FALSE(Window(0, 0, 0, 1).is_valid());
    EXPECT_FALSE(Window(0, 0, 1, -1).is_valid());
    EXPECT_FALSE(Window().is_valid());
}

TEST(WindowTest, InsideChecksEveryEdgeWithoutOverflow) {
    EXPECT_TRUE(Window(0, 0, 10, 8).is_inside(10, 8));
    EXPECT_TRUE(Window(9, 7, 1, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(9, 7, 2, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(9, 7, 1, 2).is_inside(10, 8));
    EXPECT_FALSE(Window(-1, 0, 1, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(0, -1, 1, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(2147483647, 0, 2147483647, 1).is_inside(10, 8));
    EXPECT_FALSE(Window(0, 2147483647, 1, 2147483647).is_inside(2147483647, 2147483647));
}

TEST(WindowTest, IntersectionIsTheSharedPixels) {
    const Window a(0, 0, 10, 10), b(5, 6, 10, 10);
    EXPECT_EQ(a.intersection(b), Window(5, 6, 5, 4));
    EXPECT_EQ(b.intersection(a), Window(5, 6, 5, 4));
    EXPECT_TRUE(a.intersects(b));
    EXPECT_EQ(a.intersection(a), a);
    EXPECT_EQ(a.intersection(Window(2, 3, 1, 1)), Window(2, 3, 1, 1));
}

TEST(WindowTest, TouchingOrApartWindowsDoNotIntersect) {
    const Window a(0, 0, 10, 10);
    EXPECT_FALSE(a.intersection(Window(10, 0, 5, 5)).has_value()); // shares an edge only
    EXPECT_FALSE(a.intersects(Window(0, 10, 5, 5)));
    EXPECT_FALSE(a.intersects(Window(20, 20, 5, 5)));
    EXPECT_FALSE(a.intersects(Window(-5, -5, 5, 5)));
    EXPECT_FALSE(a.intersects(Window(2, 2, 0, 5))); // empty
    EXPECT_TRUE(a.intersects(Window(-5, -5, 6, 6)));
}
