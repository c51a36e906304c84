#pragma once
// BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 uses it: basic tokenization (control
// characters dropped, whitespace split, lower case, accents stripped, punctuation and CJK
// characters split off), then greedy longest-match WordPiece with "##" continuations, [UNK] for a
// word that cannot be covered or is longer than 100 characters, and [CLS] ... [SEP] around it.
//
// Text is UTF-8. Lower-casing and accent stripping cover ASCII and Latin-1 (U+00C0..U+00FF);
// other letters pass unchanged, and punctuation outside ASCII is recognised in the General
// Punctuation block (U+2000..U+206F) and Latin-1 (U+00A1..U+00BF), which covers typographic quotes
// and dashes. tests/python checks the ids against Hugging Face's tokenizers on the shipped texts.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace npusim::models {

class WordPiece {
public:
    // vocab.txt: one token per line, id = line number. UserError naming the file if it cannot be
    // read or lacks [CLS], [SEP] or [UNK].
    explicit WordPiece(const std::string& vocab_path);
    // Token ids with [CLS] first and [SEP] last, at most `max_tokens` in all (truncated before [SEP]).
    std::vector<int32_t> encode(const std::string& text, size_t max_tokens = 256) const;
    const std::string& token(int32_t id) const { return tokens_.at(static_cast<size_t>(id)); }
    size_t size() const { return tokens_.size(); }

private:
    std::vector<std::string> basic_tokens(const std::string& text) const;
    std::vector<std::string> tokens_;
    std::unordered_map<std::string, int32_t> ids_;
    int32_t cls_ = 0, sep_ = 0, unk_ = 0;
};

}  // namespace npusim::models
