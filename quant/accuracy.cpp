#include "quant/accuracy.h"

#include <cmath>
#include <limits>

#include "base/errors.h"

namespace npusim::quant {

namespace {

// Index of each sentence's nearest other sentence by cosine (embeddings are unit length).
std::vector<size_t> nearest(const std::vector<models::Vector>& e) {
    std::vector<size_t> out(e.size());
    for (size_t i = 0; i < e.size(); ++i) {
        float best = -std::numeric_limits<float>::infinity();
        for (size_t j = 0; j < e.size(); ++j)
            if (j != i && e[i].dot(e[j]) > best) best = e[i].dot(e[j]), out[i] = j;
    }
    return out;
}

}  // namespace

Accuracy compare(const EncoderStates& ref, const EncoderStates& q) {
    if (ref.offsets != q.offsets || ref.hidden.size() != q.hidden.size())
        throw npu::InternalError("accuracy: the two passes ran different sentences");
    Accuracy a;
    for (size_t l = 0; l < ref.hidden.size(); ++l) {
        const double signal = ref.hidden[l].cast<double>().squaredNorm();
        const double noise = (q.hidden[l] - ref.hidden[l]).cast<double>().squaredNorm();
        a.layer_sqnr_db.push_back(noise > 0 ? 10 * std::log10(signal / noise)
                                            : std::numeric_limits<double>::infinity());
    }
    a.sentences = ref.offsets.size() - 1;
    std::vector<models::Vector> er, eq;
    a.min_cosine = 1;
    for (size_t s = 0; s < a.sentences; ++s) {
        er.push_back(ref.sentence_embedding(s));
        eq.push_back(q.sentence_embedding(s));
        const double c = er.back().dot(eq.back());
        a.mean_cosine += c / static_cast<double>(a.sentences);
        a.min_cosine = std::min(a.min_cosine, c);
    }
    if (a.sentences > 1) {
        const auto nr = nearest(er), nq = nearest(eq);
        size_t same = 0;
        for (size_t s = 0; s < a.sentences; ++s)
            same += nr[s] == nq[s];
        a.retrieval_agreement = static_cast<double>(same) / static_cast<double>(a.sentences);
    }
    return a;
}

}  // namespace npusim::quant
