#pragma once
// How far a quantized pass lands from the float32 reference, on the same sentences:
//   layer SQNR      10 log10(sum ref^2 / sum (q - ref)^2) over every token of a layer's output
//   cosine          cosine similarity of each sentence embedding to its float32 embedding
//   retrieval       share of sentences whose nearest other sentence (by embedding cosine) is the
//                   same under the quantized pass as under float32 (top-1 retrieval agreement)
#include <vector>

#include "quant/encoder_pass.h"

namespace npusim::quant {

struct Accuracy {
    std::vector<double> layer_sqnr_db;  // the embeddings' output, then each layer's
    double mean_cosine = 0, min_cosine = 0;
    double retrieval_agreement = 0;
    size_t sentences = 0;
};

Accuracy compare(const EncoderStates& reference, const EncoderStates& quantized);

}  // namespace npusim::quant
