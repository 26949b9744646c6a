// A harder generated CIFAR-10-format dataset: the digits 0..9 drawn as strokes in "fonts"
// (fixed deformations of a base glyph; the test fonts are never seen in training), each image
// with its own random foreground and background colours (either polarity), an illumination
// gradient, rotation, scale, shift, distractor strokes and pixel noise.
//
// What it is for: a full-precision network learns it to >95% in a few epochs, but nothing
// about it is given away by colour, so a quantizer that throws away the spatial structure of
// bright or dark images (an activation clip that binds) stays at chance. The easy set of
// synthetic_cifar.h (one colour per class) cannot show that.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

/// Fonts used for the training and for the test records: disjoint sets.
constexpr int kGlyphTrainFonts = 6;
constexpr int kGlyphTestFonts = 2;

/// `count` records in CIFAR-10 binary form (1 label byte + 3072 planar RGB pixels each);
/// record r has label (first + r) % 10. `test` draws from the test fonts.
std::vector<uint8_t> glyph_cifar_records(int64_t first, int64_t count, uint64_t seed, bool test);

/// Writes data_batch_1..5.bin (`train_per_batch` records each) and test_batch.bin (`test`
/// records) into `dir`. Throws naming the file on a write error.
void write_glyph_cifar10(const std::string& dir, int64_t train_per_batch, int64_t test, uint64_t seed);

}  // namespace data
}  // namespace wrpn
