#include "wrpn/data/glyph_cifar.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "wrpn/data/rng.h"
#include "wrpn/data/synthetic_cifar.h"

namespace wrpn {
namespace data {
namespace {

struct Point {
  double x, y;
};
using Stroke = std::vector<Point>;  // a polyline in the unit box, y pointing down
using Glyph = std::vector<Stroke>;

// The base glyphs every font deforms: one polyline set per digit.
const std::array<Glyph, 10>& base_glyphs() {
  static const std::array<Glyph, 10> glyphs = {{
      {{{0.5, 0}, {0.8, 0.15}, {0.9, 0.5}, {0.8, 0.85}, {0.5, 1}, {0.2, 0.85}, {0.1, 0.5}, {0.2, 0.15}, {0.5, 0}}},
      {{{0.3, 0.2}, {0.55, 0}, {0.55, 1}}},
      {{{0.15, 0.2}, {0.5, 0}, {0.85, 0.2}, {0.85, 0.4}, {0.15, 1}, {0.85, 1}}},
      {{{0.15, 0}, {0.85, 0}, {0.5, 0.42}, {0.85, 0.68}, {0.55, 1}, {0.15, 0.9}}},
      {{{0.7, 1}, {0.7, 0}, {0.1, 0.7}, {0.9, 0.7}}},
      {{{0.85, 0}, {0.25, 0}, {0.2, 0.45}, {0.6, 0.4}, {0.85, 0.7}, {0.55, 1}, {0.15, 0.9}}},
      {{{0.75, 0}, {0.3, 0.35}, {0.15, 0.75}, {0.5, 1}, {0.85, 0.75}, {0.5, 0.5}, {0.2, 0.65}}},
      {{{0.15, 0}, {0.85, 0}, {0.4, 1}}},
      {{{0.5, 0}, {0.8, 0.22}, {0.5, 0.47}, {0.2, 0.22}, {0.5, 0}},
       {{0.5, 0.47}, {0.85, 0.73}, {0.5, 1}, {0.15, 0.73}, {0.5, 0.47}}},
      {{{0.8, 0.3}, {0.5, 0.55}, {0.2, 0.32}, {0.5, 0}, {0.8, 0.3}, {0.7, 1}}},
  }};
  return glyphs;
}

double uniform(SplitMix64& rng, double lo, double hi) { return lo + (hi - lo) * double(rng.next() >> 11) * 0x1.0p-53; }

Glyph jittered(const Glyph& g, SplitMix64& rng, double amount) {
  Glyph out = g;
  for (Stroke& s : out) {
    for (Point& p : s) {
      p.x += uniform(rng, -amount, amount);
      p.y += uniform(rng, -amount, amount);
    }
  }
  return out;
}

// A font: every digit deformed once, a stroke thickness, a slant and a width.
struct Font {
  std::array<Glyph, 10> glyphs;
  double thickness, slant, aspect;
};

Font make_font(uint64_t seed, int index) {
  SplitMix64 rng(seed, 0xf0a7 + uint64_t(index));
  Font f;
  for (int d = 0; d < 10; ++d) f.glyphs[size_t(d)] = jittered(base_glyphs()[size_t(d)], rng, 0.07);
  f.thickness = uniform(rng, 1.7, 3.0);
  f.slant = uniform(rng, -0.25, 0.25);
  f.aspect = uniform(rng, 0.65, 1.0);
  return f;
}

double segment_distance(Point p, Point a, Point b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = p.x - (a.x + t * dx), ey = p.y - (a.y + t * dy);
  return std::sqrt(ex * ex + ey * ey);
}

// Anti-aliased coverage (0..1) of each of the 32x32 pixels by strokes of `thickness` pixels.
std::vector<double> coverage(const std::vector<Stroke>& strokes, double thickness) {
  std::vector<double> c(1024, 0.0);
  for (int y = 0; y < 32; ++y) {
    for (int x = 0; x < 32; ++x) {
      const Point p{x + 0.5, y + 0.5};
      double d = 1e9;
      for (const Stroke& s : strokes) {
        for (size_t i = 1; i < s.size(); ++i) d = std::min(d, segment_distance(p, s[i - 1], s[i]));
      }
      c[size_t(y * 32 + x)] = std::clamp(thickness / 2 + 0.5 - d, 0.0, 1.0);
    }
  }
  return c;
}

// The glyph in image pixels: slant, aspect, scale, rotation, shift.
std::vector<Stroke> place(const Glyph& g, const Font& font, SplitMix64& rng) {
  const double size = uniform(rng, 16, 26);
  const double angle = uniform(rng, -0.35, 0.35);
  const double cx = 16 + uniform(rng, -4, 4), cy = 16 + uniform(rng, -4, 4);
  const double ca = std::cos(angle), sa = std::sin(angle);
  std::vector<Stroke> out = g;
  for (Stroke& s : out) {
    for (Point& p : s) {
      const double u = (p.x - 0.5 + font.slant * (0.5 - p.y)) * font.aspect * size;
      const double v = (p.y - 0.5) * size;
      p = {cx + ca * u - sa * v, cy + sa * u + ca * v};
    }
  }
  return out;
}

using Rgb = std::array<double, 3>;

Rgb random_colour(SplitMix64& rng) { return {uniform(rng, 0, 255), uniform(rng, 0, 255), uniform(rng, 0, 255)}; }

double luminance(const Rgb& c) { return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]; }

void append_record(std::vector<uint8_t>& out, int digit, const Font& font, SplitMix64& rng) {
  const auto glyph = coverage(place(jittered(font.glyphs[size_t(digit)], rng, 0.03), font, rng),
                              font.thickness * uniform(rng, 0.85, 1.15));
  // Two short distractor strokes anywhere in the image.
  std::vector<Stroke> clutter;
  for (int i = 0; i < 2; ++i) {
    const Point a{uniform(rng, 0, 32), uniform(rng, 0, 32)};
    const double len = uniform(rng, 4, 10), dir = uniform(rng, 0, 6.283185307179586);
    clutter.push_back({a, {a.x + len * std::cos(dir), a.y + len * std::sin(dir)}});
  }
  const auto distractor = coverage(clutter, uniform(rng, 1.0, 1.6));
  Rgb fg, bg;
  do {
    fg = random_colour(rng);
    bg = random_colour(rng);
  } while (std::abs(luminance(fg) - luminance(bg)) < 70);
  const Rgb clutter_colour = random_colour(rng);
  // Illumination: a linear gradient across the image in a random direction, and a gain.
  const double slope = uniform(rng, 0, 0.4), dir = uniform(rng, 0, 6.283185307179586);
  const double gain = uniform(rng, 0.6, 1.2);
  out.push_back(uint8_t(digit));
  for (size_t ch = 0; ch < 3; ++ch) {
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 32; ++x) {
        const size_t i = size_t(y * 32 + x);
        double v = bg[ch] + (clutter_colour[ch] - bg[ch]) * distractor[i];
        v += (fg[ch] - v) * glyph[i];
        const double light = 1 + slope * ((x - 15.5) * std::cos(dir) + (y - 15.5) * std::sin(dir)) / 16;
        v = v * light * gain + uniform(rng, -16, 16);
        out.push_back(uint8_t(std::lround(std::clamp(v, 0.0, 255.0))));
      }
    }
  }
}

}  // namespace

std::vector<uint8_t> glyph_cifar_records(int64_t first, int64_t count, uint64_t seed, bool test) {
  std::vector<Font> fonts;
  const int offset = test ? kGlyphTrainFonts : 0;
  for (int f = 0; f < (test ? kGlyphTestFonts : kGlyphTrainFonts); ++f) {
    fonts.push_back(make_font(seed, offset + f));
  }
  std::vector<uint8_t> out;
  out.reserve(size_t(count) * (1 + 3072));
  for (int64_t r = first; r < first + count; ++r) {
    SplitMix64 rng(seed, uint64_t(r) * 2 + (test ? 1 : 0));
    const Font& font = fonts[size_t(rng.below(fonts.size()))];
    append_record(out, int(r % 10), font, rng);
  }
  return out;
}

void write_glyph_cifar10(const std::string& dir, int64_t train_per_batch, int64_t test, uint64_t seed) {
  write_cifar10_files(dir, train_per_batch, test, [&](int file, int64_t first, int64_t count) {
    return glyph_cifar_records(first, count, seed, /*test=*/file == 0);
  });
}

}  // namespace data
}  // namespace wrpn
